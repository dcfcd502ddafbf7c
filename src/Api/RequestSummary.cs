using System.Text.Json.Serialization;

namespace TrustChain.Api;

/// <summary>One line of <c>GET /requests</c>: a request owned by this node, running or retained.</summary>
/// <param name="Status"><c>Running</c> while it runs, then how it ended.</param>
/// <param name="ElapsedMs">Time from dispatch to the end, or to now while it runs.</param>
/// <param name="ParentRequestId">For a nested request: the request whose worker dispatched it; null for a top-level one.</param>
public sealed record RequestSummary(RequestId RequestId, string Topic, RequestStatus Status, DateTimeOffset DispatchedAt, double ElapsedMs, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] RequestId? ParentRequestId);
