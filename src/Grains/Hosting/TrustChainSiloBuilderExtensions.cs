using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace TrustChain.Hosting;

/// <summary>Makes a silo a TrustChain silo: one call, delegating to <see cref="TrustChainServiceCollectionExtensions"/>.</summary>
public static class TrustChainSiloBuilderExtensions
{
    /// <summary>
    /// Hosts TrustChain on this silo: request grains, the worker grain classes it references (or those named in
    /// <c>TrustChain:Workers</c>), task delivery (a broadcast channel named <c>trustchain</c> unless
    /// <c>TrustChain:Delivery</c> says <c>Streams</c>), and memory grain storage named <c>trustchain</c> unless the
    /// silo configures a storage of that name itself (e.g. Redis in a cluster; give it a serializer that keeps
    /// <c>JsonElement</c>, such as <c>OrleansGrainStorageSerializer</c>), and in-memory reminders unless the
    /// silo configures a reminder service itself (each silo's list of running requests holds one, so that they
    /// resume on another silo when their own dies). Configure storage and reminders before this call.
    /// </summary>
    public static ISiloBuilder AddTrustChain(this ISiloBuilder builder, Action<TrustChainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddTrustChain(configure);
        builder.AddBroadcastChannel(TrustChainOptions.DefaultDeliveryProvider, options => options.FireAndForgetDelivery = true);
        if (!builder.Services.Any(d => d.IsKeyedService && Equals(d.ServiceKey, TrustChainOptions.StorageName) && d.ServiceType == typeof(Orleans.Storage.IGrainStorage)))
        {
            builder.AddMemoryGrainStorage(TrustChainOptions.StorageName);

            // Orleans' default grain storage serializer (Newtonsoft.Json) cannot write a JsonElement: payloads, results
            // and tentative effects would come back empty on the next activation. Orleans' own binary serializer keeps
            // them (with TrustChain's JsonElementCodec) and costs a fifth of the allocations.
            builder.Services.AddOptions<MemoryGrainStorageOptions>(TrustChainOptions.StorageName)
                .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        }

        if (!builder.Services.Any(d => d.ServiceType == typeof(Orleans.IReminderTable)))
        {
            builder.UseInMemoryReminderService();
        }

        return builder;
    }
}
