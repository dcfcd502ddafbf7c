using Orleans.Hosting;

namespace TrustChain.Hosting;

/// <summary>Makes a silo a TrustChain silo: one call, delegating to <see cref="TrustChainServiceCollectionExtensions"/>.</summary>
public static class TrustChainSiloBuilderExtensions
{
    /// <summary>
    /// Hosts TrustChain on this silo: request grains, the worker grain classes it references (or those named in
    /// <c>TrustChain:Workers</c>), task delivery (a broadcast channel named <c>trustchain</c> unless
    /// <c>TrustChain:Delivery</c> says <c>Streams</c>), and memory grain storage named <c>trustchain</c> unless the
    /// silo configures a storage of that name itself (e.g. Redis in a cluster).
    /// </summary>
    public static ISiloBuilder AddTrustChain(this ISiloBuilder builder, Action<TrustChainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddTrustChain(configure);
        builder.AddBroadcastChannel(TrustChainOptions.DefaultDeliveryProvider, options => options.FireAndForgetDelivery = true);
        if (!builder.Services.Any(d => d.IsKeyedService && Equals(d.ServiceKey, TrustChainOptions.StorageName) && d.ServiceType == typeof(Orleans.Storage.IGrainStorage)))
        {
            builder.AddMemoryGrainStorage(TrustChainOptions.StorageName);
        }

        return builder;
    }
}
