using Microsoft.Extensions.DependencyInjection;

namespace TrustChain.Hosting;

/// <summary>Adds workers, aggregators and an engine to a TrustChain node; returned by <c>AddTrustChain</c>.</summary>
public interface ITrustChainBuilder
{
    IServiceCollection Services { get; }
}
