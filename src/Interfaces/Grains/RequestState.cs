using Orleans;
using Orleans.Concurrency;

namespace TrustChain;

/// <summary>A request as read from its grain: the state so far (or the outcome) and its whole journal.</summary>
[GenerateSerializer, Immutable]
public sealed record RequestState(RequestOutcome Snapshot, IReadOnlyList<RequestEvent> Events, bool Ended);
