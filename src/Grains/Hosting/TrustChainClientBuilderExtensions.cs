using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Serialization;
using TrustChain.Dispatch;
using TrustChain.Serialization;
using TrustChain.Signing;
using TrustChain.Workers;

namespace TrustChain.Hosting;

/// <summary>Makes an Orleans client (e.g. an API node outside the silos) a TrustChain dispatcher.</summary>
public static class TrustChainClientBuilderExtensions
{
    /// <summary>
    /// The dispatcher, the worker catalog (read from the cluster manifest the client gets from its gateways) and the
    /// trust store on a client; JSON payloads travel with TrustChain's own codec (<c>JsonElementCodec</c>, found by
    /// Orleans' serializer in TrustChain's contracts). Aggregators are the silos': a request's grain folds its outcome where it runs.
    /// </summary>
    public static IClientBuilder AddTrustChain(this IClientBuilder builder, Action<TrustChainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddTrustChainShared();
        return builder;
    }
}
