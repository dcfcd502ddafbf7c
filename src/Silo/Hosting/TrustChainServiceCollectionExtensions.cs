using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TrustChain.Runtime;

namespace TrustChain.Hosting;

public static class TrustChainServiceCollectionExtensions
{
    /// <summary>
    /// Makes this host a TrustChain node: an <see cref="ITrustChainDispatcher"/> to dispatch with, and whatever workers
    /// are added to the returned builder. Settings bind from the <c>TrustChain</c> configuration section, then
    /// <paramref name="configure"/>; they are validated at start. The engine is in-memory unless another is chosen.
    /// </summary>
    public static ITrustChainBuilder AddTrustChain(this IServiceCollection services, Action<TrustChainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new TrustChainBuilder(services);
        if (services.Any(d => d.ServiceType == typeof(TrustChainMarker)))
        {
            if (configure is not null)
            {
                services.Configure(configure);
            }

            return builder;
        }

        services.AddSingleton<TrustChainMarker>();
        services.AddSingleton<IConfigureOptions<TrustChainOptions>, BindTrustChainConfiguration>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrustChainOptions>, TrustChainOptionsValidator>());
        services.AddOptions<TrustChainOptions>().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RequestRegistry>();
        services.TryAddSingleton<RequestDispatcher>();
        services.TryAddSingleton<ITrustChainDispatcher>(sp => sp.GetRequiredService<RequestDispatcher>());
        services.TryAddSingleton<TrustChainNode>();
        services.AddHostedService<TrustChainHostedService>();
        if (!services.Any(d => d.ServiceType == typeof(ITransport)))
        {
            builder.UseInMemory();
        }

        return builder;
    }

    private sealed class TrustChainMarker;

    /// <summary>Binds the <c>TrustChain</c> section when the host has configuration; a bare container has none.</summary>
    private sealed class BindTrustChainConfiguration(IServiceProvider services) : IConfigureOptions<TrustChainOptions>
    {
        public void Configure(TrustChainOptions options)
        {
            var configuration = services.GetService<IConfiguration>();
            configuration?.GetSection(TrustChainOptions.SectionName).Bind(options);
        }
    }
}
