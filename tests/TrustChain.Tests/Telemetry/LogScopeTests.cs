using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using TrustChain.Demo;
using TrustChain.Tests.Cluster;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Telemetry;

/// <summary>
/// Log entries about a request carry its id and its trace id in scope, on the request's grain and on the worker's,
/// as a structured sink (here Microsoft's <see cref="FakeLogCollector"/>, one per silo) sees them.
/// </summary>
public sealed class LogScopeTests : IDisposable
{
    private readonly SpanCollector _spans = new();

    public void Dispose() => _spans.Dispose();

    [Fact]
    public async Task The_outcome_and_a_failing_nested_worker_are_logged_with_their_request_id_and_the_trace_id_in_scope()
    {
        await using var cluster = new TrustChainTestCluster(new FakeTimeProvider(DateTimeOffset.UtcNow), logging: b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Information));
        await cluster.StartDemoSiloAsync(FraudWorker.WorkerName, InventoryWorker.WorkerName, LoyaltyWorker.WorkerName).Guarded();
        await cluster.StartDemoSiloAsync(WarehouseAWorker.WorkerName, WarehouseBWorker.WorkerName).Guarded();
        var order = new OrderPlaced { Amount = 10, Items = [new OrderItem("B-1", 1)], Fail = [WarehouseBWorker.WorkerName] };

        using var root = SpanCollector.StartRoot("test.logs");
        var outcome = await cluster.Client.DispatchAsync(DemoTopics.OrderPlaced, order).Guarded();
        var nested = Assert.Single(outcome.ResultOf(InventoryWorker.WorkerName)!.Children);
        var trace = root.TraceId.ToHexString();
        var logs = cluster.Silos.SelectMany(s => s.Services.GetFakeLogCollector().GetSnapshot()).ToList();

        var ended = Assert.Single(logs, l => l.Level == LogLevel.Information && l.Message.Contains($"Request {outcome.RequestId} on", StringComparison.Ordinal));
        Assert.Equal(outcome.RequestId.Value, ScopeOf(ended)["RequestId"]);
        Assert.Equal(trace, ScopeOf(ended)["TraceId"]);

        var failed = Assert.Single(logs, l => l.Level == LogLevel.Warning && l.Message.StartsWith($"{WarehouseBWorker.WorkerName} failed on", StringComparison.Ordinal));
        Assert.Equal(nested.RequestId.Value, ScopeOf(failed)["RequestId"]);
        Assert.Equal(WarehouseBWorker.WorkerName, ScopeOf(failed)["Worker"]);
        Assert.Equal(trace, ScopeOf(failed)["TraceId"]);
    }

    /// <summary>The values of every scope the entry was written in, innermost last.</summary>
    private static Dictionary<string, object?> ScopeOf(FakeLogRecord record)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var scope in record.Scopes)
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    values[key] = value;
                }
            }
        }

        return values;
    }
}
