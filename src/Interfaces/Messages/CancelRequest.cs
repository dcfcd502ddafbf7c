namespace TrustChain.Messages;

/// <summary>
/// Broadcast by the owner when a request ends before its workers did (cancelled, timed out): whoever still works
/// on it stops, and cancellation flows on into the nested requests it dispatched.
/// </summary>
public sealed record CancelRequest(RequestId RequestId, RequestStatus Status) : TrustChainMessage(RequestId);
