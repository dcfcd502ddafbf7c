using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using TrustChain.Dispatch;
using TrustChain.Grains;
using TrustChain.Serialization;
using TrustChain.Signing;
using TrustChain.Workers;

namespace TrustChain.Hosting;

public static class TrustChainServiceCollectionExtensions
{
    /// <summary>
    /// TrustChain's services on a silo: options (<c>TrustChain</c> section, then <paramref name="configure"/>; every
    /// failure reported at start, and the settings logged), the dispatcher, the worker catalog and signing (JSON
    /// payloads travel with TrustChain's own codec, <c>JsonElementCodec</c>, which Orleans' serializer finds itself). <see cref="TrustChainSiloBuilderExtensions.AddTrustChain"/> calls it.
    /// </summary>
    public static IServiceCollection AddTrustChain(this IServiceCollection services, Action<TrustChainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(TrustChainMarker)))
        {
            return services;
        }

        services.AddSingleton<TrustChainMarker>();
        services.AddTrustChainShared();

        // A silo hosts the worker grain classes it references, or only those TrustChain:Workers names.
        services.AddSingleton<IPostConfigureOptions<GrainTypeOptions>, HostedWorkers>();

        services.TryAddSingleton<WorkerCatalog>();
        services.TryAddSingleton<WorkerKeyRing>();
        services.TryAddSingleton<TrustStore>();
        services.TryAddSingleton<WorkerSlots>();
        services.TryAddSingleton<WorkerServices>();
        services.TryAddSingleton<Aggregators>();
        services.TryAddSingleton<TrustChainDispatcher>();
        services.TryAddSingleton<ITrustChainDispatcher>(sp => sp.GetRequiredService<TrustChainDispatcher>());
        services.AddHostedService<TrustChainStartupLog>();
        return services;
    }

    /// <summary>
    /// What a silo and a client both need to dispatch: options (validated at start), the worker catalog, the trust
    /// store and the dispatcher.
    /// </summary>
    internal static IServiceCollection AddTrustChainShared(this IServiceCollection services)
    {
        services.AddOptions<TrustChainOptions>().BindConfiguration(TrustChainOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrustChainOptions>, TrustChainOptionsValidator>());
        services.AddOptions<SigningOptions>().BindConfiguration(SigningOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SigningOptions>, SigningOptionsValidator>());
        services.PostConfigure<SigningOptions>(o => o.Policy ??= SigningPolicy.None);

        // Payloads are JSON elements: TrustChain's own codec (JsonElementCodec) carries their JSON text as it is, and
        // between grains of one silo they are shared, not copied (JsonElementCopier). Both register themselves with
        // the serializer from their attributes.
        services.TryAddSingleton<WorkerCatalog>();
        services.TryAddSingleton<TrustStore>();
        services.TryAddSingleton<TrustChainDispatcher>();
        services.TryAddSingleton<ITrustChainDispatcher>(sp => sp.GetRequiredService<TrustChainDispatcher>());
        return services;
    }

    /// <summary>Folds the results of <typeparamref name="TAggregator"/>'s topic into one combined value, on this silo.</summary>
    public static IServiceCollection AddTrustChainAggregator<TAggregator>(this IServiceCollection services)
        where TAggregator : class, IResultAggregator
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IResultAggregator, TAggregator>());
        return services;
    }

    private sealed class TrustChainMarker;

    private sealed class HostedWorkers(IOptions<TrustChainOptions> options) : IPostConfigureOptions<GrainTypeOptions>
    {
        public void PostConfigure(string? name, GrainTypeOptions grainTypes)
        {
            if (options.Value.Workers is not { } hosted)
            {
                return;
            }

            var names = hosted.ToHashSet(StringComparer.Ordinal);
            var workers = grainTypes.Classes.Where(t => typeof(WorkerGrain).IsAssignableFrom(t)).ToList();
            var unknown = names.Except(workers.Select(t => TrustChainWorkerAttribute.Of(t).Name)).ToList();
            if (unknown.Count > 0)
            {
                throw new OptionsValidationException(TrustChainOptions.SectionName, typeof(TrustChainOptions),
                    [$"TrustChain:Workers names worker(s) this silo has no grain class for: {string.Join(", ", unknown)}."]);
            }

            grainTypes.Classes.RemoveWhere(t => typeof(WorkerGrain).IsAssignableFrom(t) && !names.Contains(TrustChainWorkerAttribute.Of(t).Name));
        }
    }
}
