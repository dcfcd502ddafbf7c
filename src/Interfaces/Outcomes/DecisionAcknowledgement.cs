using Orleans;
using Orleans.Concurrency;
namespace TrustChain;

/// <summary>A participant's answer to the decision, as the owner recorded it.</summary>
/// <param name="Instance">The node of the worker instance that held the effects.</param>
/// <param name="Detail">What the worker said its effects were, e.g. what was reserved; null when it had none.</param>
[GenerateSerializer, Immutable]
public sealed record DecisionAcknowledgement(string Worker, string Instance, DecisionAckStatus Status, DateTimeOffset At, string? Detail = null);
