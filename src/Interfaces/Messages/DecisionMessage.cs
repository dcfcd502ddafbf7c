using Orleans;
using Orleans.Concurrency;
namespace TrustChain.Messages;

/// <summary>
/// Broadcast by the owner once it has decided on an ended request: every node holding tentative effects of the
/// request applies it once, acknowledges it to the owner, and decides the nested requests it owns under the request
/// the same way.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DecisionMessage(RequestId RequestId, Decision Decision, string Reason);
