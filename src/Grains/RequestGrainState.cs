using Orleans;

namespace TrustChain.Grains;

/// <summary>
/// What a <see cref="RequestGrain"/> persists: the protocol's record, a decision that came early, and whether the
/// request decides itself as it ends.
/// </summary>
[GenerateSerializer]
public sealed class RequestGrainState
{
    [Id(0)]
    public RequestRecord? Record { get; set; }

    /// <summary>A decision that came while the request still ran (a nested request whose parent was decided first).</summary>
    [Id(1)]
    public RequestRecord.Decided? PendingDecision { get; set; }

    /// <summary>
    /// The dispatcher left the decision to the request's rule (Commit when it ends Completed or NoInterest, Abort
    /// otherwise), so the request takes it in the write that stores its end: no call and no write more.
    /// </summary>
    [Id(2)]
    public bool DecideWhenEnded { get; set; }
}
