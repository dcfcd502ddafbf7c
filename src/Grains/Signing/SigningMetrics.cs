using System.Diagnostics.Metrics;

namespace TrustChain.Signing;

/// <summary>The fraud-prevention counters, under the <c>TrustChain</c> meter.</summary>
internal static class SigningMetrics
{
    private static readonly Meter Meter = new("TrustChain");

    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>(
        "trustchain.replies.rejected", unit: "{reply}", description: "Verdicts and results refused by the owner of their request, by reason and kind.");

    private static readonly Counter<long> Refused = Meter.CreateCounter<long>(
        "trustchain.keys.refused", unit: "{key}", description: "Announced public keys refused because another key is pinned for their worker.");

    public static void RejectedOne(RejectionReason reason, string kind) => Rejected.Add(
        1,
        new KeyValuePair<string, object?>("reason", reason.ToString()),
        new KeyValuePair<string, object?>("kind", kind));

    public static void RefusedOne(string worker) => Refused.Add(1, new KeyValuePair<string, object?>("worker", worker));
}
