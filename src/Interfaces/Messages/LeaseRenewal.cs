using Orleans;
using Orleans.Concurrency;
namespace TrustChain.Messages;

/// <summary>An interested worker's heartbeat: it is alive and still working on the request.</summary>
[GenerateSerializer, Immutable]
public sealed record LeaseRenewal(
    RequestId RequestId,
    string Worker,
    string Instance,
    DateTimeOffset At);
