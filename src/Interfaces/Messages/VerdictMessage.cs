using Orleans;
using Orleans.Concurrency;
namespace TrustChain.Messages;

/// <summary>A worker's immediate answer to a task: Interested or Declined (step 2).</summary>
/// <param name="Problem">Why the worker could not decide (e.g. the payload does not fit its type); such a verdict is
/// never a consent: the request ends <see cref="RequestStatus.Partial"/>.</param>
/// <param name="Instance">The node of the worker instance that decided; the grain's reply goes there.</param>
[GenerateSerializer, Immutable]
public sealed record VerdictMessage(
    RequestId RequestId,
    string Topic,
    string Worker,
    string Instance,
    bool Interested,
    DateTimeOffset At,
    ReplySignature? Signature = null,
    string? Problem = null);
