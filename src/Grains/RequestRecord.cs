using System.Text.Json;
using Orleans;
using TrustChain.Messages;
using TrustChain.Signing;

namespace TrustChain.Grains;

/// <summary>
/// Everything one request holds, as the <see cref="RequestGrain"/> persists it (<see cref="RequestProtocol.Export"/>)
/// and brings it back on another activation (<see cref="RequestProtocol.Restore"/>).
/// </summary>
[GenerateSerializer]
public sealed record RequestRecord(
    TaskMessage Task,
    SigningPolicy Signing,
    List<string> Expected,
    DateTimeOffset InterestWindowEndsAt,
    DateTimeOffset? InterestClosedAt,
    RequestOutcome? Outcome,
    List<WorkerVerdict> Verdicts,
    List<RequestRecord.ParticipantRecord> Participants,
    List<RejectedReply> Rejected,
    List<RequestEvent> Events,
    List<DecisionAcknowledgement> Acknowledgements,
    RequestRecord.Decided? Decision)
{
    /// <summary>An interested worker's part so far.</summary>
    [GenerateSerializer]
    public sealed record ParticipantRecord(
        string Worker,
        DateTimeOffset InterestedAt,
        DateTimeOffset LeaseExpiresAt,
        WorkerResultStatus Status,
        JsonElement? Payload,
        string? Error,
        IReadOnlyList<RequestOutcome> Children,
        DateTimeOffset? StartedAt,
        DateTimeOffset? CompletedAt,
        ReplySignature? Signature,
        bool Redelivered);

    /// <summary>The decision taken on the ended request.</summary>
    [GenerateSerializer]
    public sealed record Decided(Decision Decision, string Reason, DateTimeOffset At);
}
