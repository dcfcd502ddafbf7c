using System.Diagnostics.Metrics;

namespace TrustChain.Telemetry;

/// <summary>The compensation counters, under the <c>TrustChain</c> meter.</summary>
internal static class DecisionMetrics
{
    private static Meter Meter => TrustChainTelemetry.Meter;

    private static readonly Counter<long> Decisions = Meter.CreateCounter<long>(
        "trustchain.decisions", unit: "{decision}", description: "Decisions taken by dispatchers on ended requests, by kind (Commit or Abort).");

    private static readonly Counter<long> Applied = Meter.CreateCounter<long>(
        "trustchain.decisions.applied", unit: "{decision}", description: "Decisions received by workers holding tentative effects, by decision and what was done.");

    private static readonly Counter<long> Expired = Meter.CreateCounter<long>(
        "trustchain.tentative.expired", unit: "{effect-set}", description: "Tentative effects undone because no decision came within the TTL.");

    public static void Decided(Decision decision) => Decisions.Add(1, new KeyValuePair<string, object?>("kind", decision.ToString()));

    public static void Acknowledged(Decision decision, DecisionAckStatus status) => Applied.Add(
        1,
        new KeyValuePair<string, object?>("decision", decision.ToString()),
        new KeyValuePair<string, object?>("status", status.ToString()));

    public static void ExpiredOne(string worker) => Expired.Add(1, new KeyValuePair<string, object?>("worker", worker));
}
