using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TrustChain.Telemetry;

/// <summary>
/// The names an OpenTelemetry pipeline subscribes to: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both
/// <c>TrustChain</c>. Spans: <see cref="RequestSpan"/> on the node that owns a request (dispatch to outcome) and
/// <see cref="HandleSpan"/> on the node where a worker handles it, the latter a child of the former across processes
/// through the W3C trace context that every task carries.
/// </summary>
public static class TrustChainTelemetry
{
    public const string Name = "TrustChain";

    /// <summary>A request, on its owner, from dispatch to outcome (and, for a request at the top, its decision).</summary>
    public const string RequestSpan = "trustchain.request";

    /// <summary>One worker's handling of a task: verdict, work, result.</summary>
    public const string HandleSpan = "trustchain.handle";

    public static ActivitySource Source { get; } = new(Name, typeof(TrustChainTelemetry).Assembly.GetName().Version?.ToString());

    public static Meter Meter { get; } = new(Name, typeof(TrustChainTelemetry).Assembly.GetName().Version?.ToString());
}
