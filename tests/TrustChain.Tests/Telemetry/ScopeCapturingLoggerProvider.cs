using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TrustChain.Tests.Telemetry;

/// <summary>One log entry with the values of every scope it was written in.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Scope);

/// <summary>
/// A logging provider that keeps every entry with its scopes, as a structured sink would see them. One instance per
/// host (each host's logger factory has its own scopes); several may share one <paramref name="sink"/>.
/// </summary>
public sealed class ScopeCapturingLoggerProvider(ConcurrentQueue<CapturedLog> sink) : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    private ConcurrentQueue<CapturedLog> Sink => sink;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(ScopeCapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scope = new Dictionary<string, object?>(StringComparer.Ordinal);
            provider._scopes.ForEachScope(
                static (value, into) =>
                {
                    if (value is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (key, item) in pairs)
                        {
                            into[key] = item;
                        }
                    }
                    else if (value is IEnumerable<KeyValuePair<string, object>> plain)
                    {
                        foreach (var (key, item) in plain)
                        {
                            into[key] = item;
                        }
                    }
                },
                scope);
            provider.Sink.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception), scope));
        }
    }
}
