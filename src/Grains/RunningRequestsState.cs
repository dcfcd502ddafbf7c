using Orleans;

namespace TrustChain.Grains;

/// <summary>What a silo's <see cref="RunningRequestsGrain"/> stores: the requests it started that had not ended at its last write.</summary>
[GenerateSerializer]
public sealed class RunningRequestsState
{
    [Id(0)]
    public List<RequestId> Requests { get; set; } = [];
}
