using Microsoft.Extensions.DependencyInjection;

namespace TrustChain.Hosting;

internal sealed class TrustChainBuilder(IServiceCollection services) : ITrustChainBuilder
{
    public IServiceCollection Services { get; } = services;
}
