using Orleans;
using Orleans.Concurrency;
namespace TrustChain.Messages;

/// <summary>
/// Sent by the owner to each participant once it has decided on an ended request: the participant applies it once,
/// acknowledges it to the owner, and decides the nested requests it dispatched under the request the same way.
/// </summary>
/// <param name="Children">The nested requests joined under this participant's result in the stored outcome: they take
/// the decision through it even when the activation that dispatched them is gone, since a part that holds nothing but
/// nested requests joined under its result is not stored.</param>
[GenerateSerializer, Immutable]
public sealed record DecisionMessage(RequestId RequestId, Decision Decision, string Reason, IReadOnlyList<RequestId>? Children = null);
