using Orleans;
using Orleans.Concurrency;

namespace TrustChain;

/// <summary>Journal entries after a sequence, and whether the request has ended.</summary>
[GenerateSerializer, Immutable]
public sealed record RequestEventsPage(IReadOnlyList<RequestEvent> Events, bool Ended);
