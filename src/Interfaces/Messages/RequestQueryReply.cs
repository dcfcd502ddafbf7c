namespace TrustChain.Messages;

/// <summary>The owner's answer to a <see cref="RequestQuery"/>.</summary>
/// <param name="State">For <see cref="RequestQueryKind.State"/>: the state so far (status Running) or the outcome.</param>
/// <param name="Events">For <see cref="RequestQueryKind.State"/>: the whole journal; for <see cref="RequestQueryKind.Events"/>:
/// the events after the asked sequence (possibly none, when the wait ended first).</param>
/// <param name="Ended">Whether the request had ended when the owner answered.</param>
public sealed record RequestQueryReply(
    RequestId RequestId,
    Guid QueryId,
    RequestQueryAnswer Answer,
    RequestOutcome? State = null,
    IReadOnlyList<RequestEvent>? Events = null,
    bool Ended = false) : TrustChainMessage(RequestId);
