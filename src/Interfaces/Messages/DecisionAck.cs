using Orleans;
using Orleans.Concurrency;
namespace TrustChain.Messages;

/// <summary>A participant's acknowledgement of a decision, sent to the owner of the request.</summary>
[GenerateSerializer, Immutable]
public sealed record DecisionAck(
    RequestId RequestId,
    string Worker,
    string Instance,
    Decision Decision,
    DecisionAckStatus Status,
    DateTimeOffset At,
    string? Detail = null);
