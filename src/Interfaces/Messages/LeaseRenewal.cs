namespace TrustChain.Messages;

/// <summary>An interested worker's heartbeat: it is alive and still working on the request.</summary>
public sealed record LeaseRenewal(
    RequestId RequestId,
    string Worker,
    string Instance,
    DateTimeOffset At) : TrustChainMessage(RequestId);
