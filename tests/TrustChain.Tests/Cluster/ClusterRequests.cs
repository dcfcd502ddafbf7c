using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Cluster;

/// <summary>What the cluster suites do to and read from requests, whichever silo their grains live on.</summary>
internal static class ClusterRequests
{
    /// <summary>The grain factory of a silo: reads through it never depend on a gateway the client may have lost.</summary>
    public static IGrainFactory Grains(this TestSilo silo) => silo.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The request as its grain has it now: state so far (or outcome) and journal.</summary>
    public static async Task<RequestState> StateAsync(this IGrainFactory grains, RequestId id)
    {
        var state = await grains.GetGrain<IRequestGrain>(id.Value).GetAsync().Guarded();
        Assert.NotNull(state);
        return state;
    }

    /// <summary>
    /// Requests dispatched inside the scope have their grain placed on <paramref name="silo"/> (Orleans' placement
    /// hint, which every placement director honours for a silo that can host the grain): a test that kills or stops
    /// a worker's silo keeps the request's grain out of it, or puts it there on purpose. Worker grains still go to
    /// the silos that host their worker.
    /// </summary>
    public static PlacementScope RequestGrainOn(TestSilo silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo.Handle.SiloAddress);
        return default;
    }

    public readonly struct PlacementScope : IDisposable
    {
        public void Dispose() => RequestContext.Remove(IPlacementDirector.PlacementHintKey);
    }
}
