namespace TrustChain.Api;

/// <summary>The body of a <c>202 Accepted</c> dispatch (<c>Prefer: respond-async</c>): the id to read the request by.</summary>
public sealed record AcceptedRequest(RequestId RequestId);
