namespace TrustChain.Messages;

/// <summary>
/// A question about a request, sent by any node to the request's owner (named by the request id), which answers
/// <see cref="ReplyTo"/> with a <see cref="RequestQueryReply"/> carrying the same <see cref="QueryId"/>.
/// </summary>
/// <param name="After">For <see cref="RequestQueryKind.Events"/>: the last sequence the asker has (0 for all).</param>
/// <param name="Wait">For <see cref="RequestQueryKind.Events"/>: how long the owner may wait for a new event when there is
/// none after <paramref name="After"/> yet; the owner caps it at its own <c>WatchPollWait</c>.</param>
public sealed record RequestQuery(
    RequestId RequestId,
    Guid QueryId,
    string ReplyTo,
    RequestQueryKind Query,
    long After = 0,
    TimeSpan? Wait = null) : TrustChainMessage(RequestId);
