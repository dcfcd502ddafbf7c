using Orleans;
using Orleans.Concurrency;

namespace TrustChain;

/// <summary>One line of the cluster's list of recent requests.</summary>
/// <param name="CompletedAt">When it ended; null while it runs.</param>
/// <param name="RetainedBytes">Once it ended: the grain's estimate of what it retains for reading, in bytes (the
/// UTF-8 JSON of its results, nested outcomes, combined value and texts), which
/// <c>TrustChain:MaxRetainedBytes</c> bounds; 0 while it runs.</param>
[GenerateSerializer, Immutable]
public sealed record RequestIndexEntry(RequestId RequestId, string Topic, RequestStatus Status, DateTimeOffset DispatchedAt, DateTimeOffset? CompletedAt, RequestId? ParentRequestId, long RetainedBytes = 0);
