using Orleans;

namespace TrustChain.Grains;

/// <summary>What a <see cref="RequestGrain"/> persists: the protocol's record, and a decision that came early.</summary>
[GenerateSerializer]
public sealed class RequestGrainState
{
    [Id(0)]
    public RequestRecord? Record { get; set; }

    /// <summary>A decision that came while the request still ran (a nested request whose parent was decided first).</summary>
    [Id(1)]
    public RequestRecord.Decided? PendingDecision { get; set; }
}
