using System.Diagnostics.Metrics;

namespace TrustChain.Telemetry;

/// <summary>The instruments of the <c>TrustChain</c> meter that follow requests; recorded by the runtime, never the grain.</summary>
public static class TrustChainMetrics
{
    private static readonly Counter<long> Requests = TrustChainTelemetry.Meter.CreateCounter<long>(
        "trustchain.requests", unit: "{request}", description: "Requests that ended, by topic and status.");

    private static readonly UpDownCounter<long> InFlight = TrustChainTelemetry.Meter.CreateUpDownCounter<long>(
        "trustchain.requests.in_flight", unit: "{request}", description: "Requests dispatched here that have not ended yet, by topic.");

    private static readonly Histogram<long> Interested = TrustChainTelemetry.Meter.CreateHistogram<long>(
        "trustchain.request.interested_workers", unit: "{worker}", description: "Workers that declared interest in a request, by topic.");

    private static readonly Histogram<double> InterestClosure = TrustChainTelemetry.Meter.CreateHistogram<double>(
        "trustchain.interest_closure.duration", unit: "ms", description: "Time from dispatch until interest closed, by topic.");

    private static readonly Histogram<double> Duration = TrustChainTelemetry.Meter.CreateHistogram<double>(
        "trustchain.request.duration", unit: "ms", description: "Time from dispatch to outcome, by topic and status.");

    private static readonly Counter<long> Rejected = TrustChainTelemetry.Meter.CreateCounter<long>(
        "trustchain.replies.rejected", unit: "{reply}", description: "Verdicts and results refused by a request, by reason.");

    private static readonly Counter<long> KeysRefused = TrustChainTelemetry.Meter.CreateCounter<long>(
        "trustchain.keys.refused", unit: "{key}", description: "Announced public keys refused because another key is pinned for their worker, by worker.");

    private static readonly Counter<long> LeasesLost = TrustChainTelemetry.Meter.CreateCounter<long>(
        "trustchain.leases.lost", unit: "{lease}", description: "Interested workers counted lost because their lease ran out, by topic and worker.");

    internal static void Dispatched(string topic) => InFlight.Add(1, Topic(topic));

    internal static void InterestClosed(string topic, TimeSpan afterDispatch) => InterestClosure.Record(Math.Max(0, afterDispatch.TotalMilliseconds), Topic(topic));

    internal static void ReplyRejected(string topic, RejectionReason reason, string? replyKind) => Rejected.Add(
        1, Topic(topic), new("reason", reason.ToString()), new("reply", replyKind));

    internal static void KeyRefused(string worker) => KeysRefused.Add(1, new KeyValuePair<string, object?>("worker", worker));

    internal static void LeaseLost(string topic, string? worker) => LeasesLost.Add(1, Topic(topic), new("worker", worker));

    internal static void Ended(RequestOutcome outcome)
    {
        var status = new KeyValuePair<string, object?>("status", outcome.Status.ToString());
        InFlight.Add(-1, Topic(outcome.Topic));
        Requests.Add(1, Topic(outcome.Topic), status);
        Interested.Record(outcome.Verdicts.Count(v => v.Interested), Topic(outcome.Topic));
        Duration.Record(outcome.ElapsedMs, Topic(outcome.Topic), status);
    }

    private static KeyValuePair<string, object?> Topic(string topic) => new("topic", topic);
}
