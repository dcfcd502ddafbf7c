using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TrustChain.Hosting;
using TrustChain.Silo.Demo;
using TrustChain.Testing;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Telemetry;

/// <summary>Log entries about a request carry its id and its trace id, on the dispatching side and the worker's.</summary>
public sealed class LogScopeTests : IDisposable
{
    private readonly SpanCollector _spans = new();
    private readonly ConcurrentQueue<CapturedLog> _logs = new();

    public void Dispose() => _spans.Dispose();

    [Fact]
    public async Task The_outcome_and_a_failing_nested_worker_are_logged_with_their_request_id_and_the_trace_id_in_scope()
    {
        await using var cluster = new TrustChainTestCluster(logging: b => b.AddProvider(new ScopeCapturingLoggerProvider(_logs)).SetMinimumLevel(LogLevel.Debug));
        var silo = await cluster.StartSiloAsync(b => b.AddDemoWorkers()).Guarded();
        var order = new OrderPlaced { Amount = 10, Items = [new OrderItem("B-1", 1)], Fail = [WarehouseBWorker.WorkerName] };

        using var root = SpanCollector.StartRoot("test.logs");
        var outcome = await silo.Dispatcher.DispatchAsync(DemoTopics.OrderPlaced, order).Guarded();
        var nested = Assert.Single(outcome.ResultOf(InventoryWorker.WorkerName)!.Children);
        var trace = root.TraceId.ToHexString();

        var ended = Assert.Single(_logs, l => l.Level == LogLevel.Information && l.Message.Contains($"Request {outcome.RequestId} on", StringComparison.Ordinal));
        Assert.Equal(outcome.RequestId.Value, ended.Scope["RequestId"]);
        Assert.Equal(trace, ended.Scope["TraceId"]);

        var failed = Assert.Single(_logs, l => l.Level == LogLevel.Warning && l.Message.StartsWith($"{WarehouseBWorker.WorkerName} failed on", StringComparison.Ordinal));
        Assert.Equal(nested.RequestId.Value, failed.Scope["RequestId"]);
        Assert.Equal(WarehouseBWorker.WorkerName, failed.Scope["Worker"]);
        Assert.Equal(trace, failed.Scope["TraceId"]);
    }
}
