namespace TrustChain.Api;

/// <summary>One line of <c>GET /requests</c>: a request owned by this node, running or retained.</summary>
/// <param name="Status"><c>Running</c> while it runs, then how it ended.</param>
/// <param name="ElapsedMs">Time from dispatch to the end, or to now while it runs.</param>
public sealed record RequestSummary(RequestId RequestId, string Topic, RequestStatus Status, DateTimeOffset DispatchedAt, double ElapsedMs);
