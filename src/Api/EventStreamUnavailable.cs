namespace TrustChain.Api;

/// <summary>
/// The last event of a stream the API gave up on (<c>event: unavailable</c>, no <c>id</c>, so that an EventSource
/// keeps the last journal entry's id): the request's grain did not answer within
/// <c>TrustChain:Api:FailoverWait</c>. The request may well go on; reconnect with <c>Last-Event-ID</c> (an
/// EventSource does so by itself) or ask <c>GET /requests/{id}</c>.
/// </summary>
/// <param name="LastEventId">The sequence of the last journal entry this stream sent (0: none).</param>
/// <param name="Detail">Why, for a person.</param>
public sealed record EventStreamUnavailable(RequestId RequestId, long LastEventId, string Detail);
