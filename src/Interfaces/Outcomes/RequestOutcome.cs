using Orleans;
using Orleans.Concurrency;
using System.Text.Json;

namespace TrustChain;

/// <summary>The joined answer to one request: every partial result with its worker, status and timing.</summary>
/// <param name="Combined">The value folded by the topic's aggregator, when one is registered.</param>
/// <param name="Silent">Expected workers that gave no verdict before interest closed: silence is not consent, so
/// the request ended <see cref="RequestStatus.Partial"/> (or timed out, or was cancelled).</param>
/// <param name="Decision">Commit or Abort and who applied it, once the dispatcher decided (a nested request gets the
/// decision of the request above it).</param>
[GenerateSerializer, Immutable]
public sealed record RequestOutcome(
    RequestId RequestId,
    string Topic,
    RequestStatus Status,
    DateTimeOffset DispatchedAt,
    DateTimeOffset CompletedAt,
    IReadOnlyList<WorkerResult> Results,
    IReadOnlyList<WorkerVerdict> Verdicts,
    IReadOnlyList<RejectedReply> Rejected,
    DateTimeOffset? InterestClosedAt = null,
    RequestId? ParentRequestId = null,
    JsonElement? Combined = null,
    RequestDecision? Decision = null,
    IReadOnlyList<string>? Silent = null)
{
    public double ElapsedMs => Math.Round((CompletedAt - DispatchedAt).TotalMilliseconds, 3);

    /// <summary>The result of the named worker, or null when it was not interested.</summary>
    public WorkerResult? ResultOf(string worker) => Results.FirstOrDefault(r => r.Worker == worker);
}
