using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TrustChain.Engines.InMemory;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Runtime;

namespace TrustChain.Hosting;

public static class TrustChainServiceCollectionExtensions
{
    /// <summary>
    /// Makes this host a TrustChain node: an <see cref="ITrustChainDispatcher"/> to dispatch with, and whatever workers
    /// are added to the returned builder. Settings bind from the <c>TrustChain</c> configuration section, then
    /// <paramref name="configure"/>; they are validated at start. The engine is the one <c>TrustChain:Transport</c> names
    /// (in-memory by default) unless the code chooses one with <c>UseInMemory</c> or <c>UseRabbitMQ</c>.
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
        services.AddSingleton<IConfigureOptions<TrustChainTransportOptions>>(sp => new BindSection<TrustChainTransportOptions>(sp, TrustChainOptions.SectionName));
        services.AddSingleton<IConfigureOptions<RabbitMqOptions>>(sp => new BindSection<RabbitMqOptions>(sp, RabbitMqOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RabbitMqOptions>, RabbitMqOptionsValidator>());
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
        services.TryAddSingleton<RequestDirectory>();
        services.TryAddSingleton<TrustChainNode>();
        services.AddHostedService<TrustChainHostedService>();
        if (!services.Any(d => d.ServiceType == typeof(ITransport)))
        {
            // The engine named by TrustChain:Transport, read when the node starts; UseInMemory or UseRabbitMQ override it.
            services.TryAddSingleton<InMemoryNetwork>();
            services.AddSingleton<ITransport>(TransportFactory.FromConfiguration);
        }

        return builder;
    }

    private sealed class TrustChainMarker;

    /// <summary>Binds a configuration section when the host has configuration; a bare container has none.</summary>
    private sealed class BindSection<TOptions>(IServiceProvider services, string section) : IConfigureOptions<TOptions>
        where TOptions : class
    {
        public void Configure(TOptions options) => services.GetService<IConfiguration>()?.GetSection(section).Bind(options);
    }

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
