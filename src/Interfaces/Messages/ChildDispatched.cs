using Orleans;
using Orleans.Concurrency;
namespace TrustChain.Messages;

/// <summary>
/// Sent to the owner of <see cref="TrustChainMessage.RequestId"/> (the parent) when one of its workers dispatches a
/// nested request, so the parent's journal shows the nested request as it starts rather than only once the worker
/// replies with its outcome.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ChildDispatched(
    RequestId RequestId,
    string Worker,
    RequestId ChildRequestId,
    string ChildTopic,
    DateTimeOffset At);
