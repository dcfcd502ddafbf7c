using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace TrustChain.Bench;

/// <summary>
/// <c>--profile-alloc</c>: which types a scenario allocates, from the runtime's sampled allocation events (one
/// every ~100 KB), to find what to make cheaper. A diagnostic, not a figure of the report.
/// </summary>
internal sealed class AllocationProfile : EventListener
{
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _recording;

    public void Start() => _recording = true;

    public IEnumerable<(string Type, long Bytes)> Top(int count)
    {
        _recording = false;
        return _bytes.OrderByDescending(p => p.Value).Take(count).Select(p => (p.Key, p.Value));
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
        {
            return;
        }

        var name = eventData.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload[t] as string ?? "?" : "?";
        var amount = eventData.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(eventData.Payload[a], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(name, amount, (_, v) => v + amount);
    }
}
