using Orleans;
using Orleans.Concurrency;

namespace TrustChain;

/// <summary>One line of the cluster's list of recent requests.</summary>
/// <param name="CompletedAt">When it ended; null while it runs.</param>
[GenerateSerializer, Immutable]
public sealed record RequestIndexEntry(RequestId RequestId, string Topic, RequestStatus Status, DateTimeOffset DispatchedAt, DateTimeOffset? CompletedAt, RequestId? ParentRequestId);
