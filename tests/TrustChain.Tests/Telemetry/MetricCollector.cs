using System.Diagnostics.Metrics;
using TrustChain.Telemetry;

namespace TrustChain.Tests.Telemetry;

/// <summary>One measurement of a TrustChain instrument, with its tags.</summary>
public sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public string? Tag(string key) => Tags.TryGetValue(key, out var value) ? value?.ToString() : null;
}

/// <summary>
/// Records every measurement of the <c>TrustChain</c> meter while it listens. Tests in parallel measure too: read
/// the measurements of your own topics only.
/// </summary>
public sealed class MetricCollector : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<Measurement> _measurements = [];
    private readonly MeterListener _listener = new();

    public MetricCollector()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == TrustChainTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _listener.Start();
    }

    /// <summary>The measurements of <paramref name="instrument"/> tagged with <paramref name="topic"/>, in order.</summary>
    public IReadOnlyList<Measurement> Of(string instrument, string topic)
    {
        lock (_gate)
        {
            return _measurements.Where(m => m.Instrument == instrument && m.Tag("topic") == topic).ToList();
        }
    }

    public IReadOnlyList<Measurement> Of(string instrument)
    {
        lock (_gate)
        {
            return _measurements.Where(m => m.Instrument == instrument).ToList();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        lock (_gate)
        {
            _measurements.Add(new Measurement(instrument.Name, value, copy));
        }
    }
}
