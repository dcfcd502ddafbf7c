using Orleans;
using Orleans.Concurrency;
using System.Text.Json;
using TrustChain.Messages;

namespace TrustChain;

/// <summary>One interested worker's part of the outcome (step 6).</summary>
/// <param name="Children">Outcomes of the nested requests the worker dispatched, joined under its result.</param>
[GenerateSerializer, Immutable]
public sealed record WorkerResult(
    string Worker,
    WorkerResultStatus Status,
    JsonElement? Payload,
    string? Error,
    IReadOnlyList<RequestOutcome> Children,
    DateTimeOffset InterestedAt,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? CompletedAt = null,
    ReplySignature? Signature = null)
{
    /// <summary>Time from the worker's Interested verdict to its reply (or to the end of the request).</summary>
    public double? ElapsedMs => CompletedAt is { } done ? Math.Round((done - InterestedAt).TotalMilliseconds, 3) : null;
}
