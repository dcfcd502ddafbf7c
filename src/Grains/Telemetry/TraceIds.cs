using System.Diagnostics;

namespace TrustChain.Telemetry;

/// <summary>Reads the trace id out of a W3C <c>traceparent</c>, for log scopes.</summary>
internal static class TraceIds
{
    public static string? Of(string? traceParent) =>
        ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context.TraceId.ToHexString() : null;
}
