using System.Collections;

namespace TrustChain.Telemetry;

/// <summary>
/// The names and values a log scope carries, as the loggers read them (a list of pairs), made once and reused: a
/// request's grain opens its scope on every call, and a dictionary per call was garbage on every one.
/// </summary>
internal sealed class LogScopeState(params KeyValuePair<string, object?>[] values) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => values.Length;

    public KeyValuePair<string, object?> this[int index] => values[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>What a plain-text logger with scopes on prints: <c>RequestId:… TraceId:…</c>.</summary>
    public override string ToString() => string.Join(' ', values.Select(v => $"{v.Key}:{v.Value}"));
}
