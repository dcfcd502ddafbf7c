using System.Diagnostics;
using System.Text.Json;
using TrustChain.Hosting;
using TrustChain.Silo.Demo;
using TrustChain.Telemetry;
using TrustChain.Testing;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Telemetry;

/// <summary>
/// Traces and metrics as an OpenTelemetry pipeline would see them, over a cluster on the engine under test. An engine
/// runs this suite by deriving from it: the trace context has to cross that engine's wire.
/// </summary>
public abstract class TelemetryTests : IAsyncLifetime, IDisposable
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    private readonly List<TrustChainTestCluster> _clusters = [];
    private readonly SpanCollector _spans = new();
    private readonly MetricCollector _metrics = new();

    /// <summary>A cluster on the engine under test, not started, with <paramref name="configure"/> applied to every silo.</summary>
    /// <param name="time">The clock of every silo; null for the system clock.</param>
    protected abstract TrustChainTestCluster CreateCluster(Action<TrustChainOptions> configure, TimeProvider? time);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var cluster in _clusters)
        {
            await cluster.DisposeAsync().AsTask().Guarded();
        }
    }

    public void Dispose()
    {
        _spans.Dispose();
        _metrics.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_nested_demo_order_is_one_trace_request_then_each_worker_handling_then_the_nested_request_under_the_worker_that_dispatched_it()
    {
        var cluster = Cluster();
        var silo = await cluster.StartSiloAsync(b => b.AddDemoWorkers()).Guarded();
        var order = new OrderPlaced { OrderId = "o-t", CustomerId = "c-t", Amount = 1500, Items = [new OrderItem("A-1", 1), new OrderItem("B-1", 1)] };

        RequestOutcome outcome;
        using (var root = SpanCollector.StartRoot("test.order"))
        {
            outcome = await silo.Dispatcher.DispatchAsync(DemoTopics.OrderPlaced, order).Guarded();
            Assert.Equal(RequestStatus.Completed, outcome.Status);

            // A worker's handling ends once its result is sent, possibly after the outcome: wait for the spans to end.
            var spans = await _spans.WaitForAsync(root.TraceId, s => s.Count(Is(TrustChainTelemetry.RequestSpan)) == 2 && s.Count(Is(TrustChainTelemetry.HandleSpan)) == 5).Guarded();

            var request = Assert.Single(spans, s => s.OperationName == TrustChainTelemetry.RequestSpan && Tag(s, "trustchain.topic") == DemoTopics.OrderPlaced);
            Assert.Equal(root.SpanId, request.ParentSpanId);
            Assert.Equal(outcome.RequestId.Value, Tag(request, "trustchain.request_id"));
            Assert.Equal(nameof(RequestStatus.Completed), Tag(request, "trustchain.status"));

            var handlings = spans.Where(s => s.OperationName == TrustChainTelemetry.HandleSpan).ToDictionary(s => Tag(s, "trustchain.worker")!);
            Assert.Equal(
                [FraudWorker.WorkerName, InventoryWorker.WorkerName, LoyaltyWorker.WorkerName, WarehouseAWorker.WorkerName, WarehouseBWorker.WorkerName],
                handlings.Keys.Order(StringComparer.Ordinal));
            foreach (var worker in new[] { FraudWorker.WorkerName, InventoryWorker.WorkerName, LoyaltyWorker.WorkerName })
            {
                Assert.Equal(request.SpanId, handlings[worker].ParentSpanId);
                Assert.Equal(ActivityKind.Consumer, handlings[worker].Kind);
            }

            var nested = Assert.Single(spans, s => s.OperationName == TrustChainTelemetry.RequestSpan && Tag(s, "trustchain.topic") == DemoTopics.StockReserve);
            Assert.Equal(handlings[InventoryWorker.WorkerName].SpanId, nested.ParentSpanId);
            Assert.Equal(outcome.RequestId.Value, Tag(nested, "trustchain.parent_request_id"));
            Assert.Equal(InventoryWorker.WorkerName, Tag(nested, "trustchain.parent_worker"));
            Assert.Equal(nested.SpanId, handlings[WarehouseAWorker.WorkerName].ParentSpanId);
            Assert.Equal(nested.SpanId, handlings[WarehouseBWorker.WorkerName].ParentSpanId);

            // The request's story is told by its span's events, in order.
            var events = request.Events.Select(e => e.Name).ToList();
            Assert.Equal(3, events.Count(e => e == "trustchain.verdict"));
            Assert.Equal(3, events.Count(e => e == "trustchain.result"));
            Assert.Contains("trustchain.child_dispatched", events);
            Assert.True(events.IndexOf("trustchain.interest_closed") < events.IndexOf("trustchain.completed"));
            Assert.Equal("trustchain.decided", events[events.IndexOf("trustchain.completed") + 1]);
            var decided = request.Events.Single(e => e.Name == "trustchain.decided");
            Assert.Equal(nameof(Decision.Commit), decided.Tags.Single(t => t.Key == "trustchain.decision").Value);
        }
    }

    [Fact]
    public async Task Request_metrics_count_each_request_by_topic_and_status_with_its_interested_workers_and_durations()
    {
        var wanted = $"metered.wanted-{Guid.NewGuid():N}";
        var unwanted = $"metered.unwanted-{Guid.NewGuid():N}";
        var cluster = Cluster();
        await cluster.StartSiloAsync(b => b
            .AddWorker(new ProbeWorker("metered-one", wanted))
            .AddWorker(new ProbeWorker("metered-two", wanted))
            .AddWorker(new ProbeWorker("metered-shy", wanted, unwanted) { Interested = false })).Guarded();

        var first = await cluster.Client.DispatchAsync(wanted, Empty).Guarded();
        var second = await cluster.Client.DispatchAsync(wanted, Empty).Guarded();
        var declined = await cluster.Client.DispatchAsync(unwanted, Empty).Guarded();

        Assert.Equal([RequestStatus.Completed, RequestStatus.Completed, RequestStatus.NoInterest], new[] { first.Status, second.Status, declined.Status });

        var requests = _metrics.Of("trustchain.requests", wanted);
        Assert.Equal([(1d, "Completed"), (1d, "Completed")], requests.Select(m => (m.Value, m.Tag("status"))));
        Assert.Equal([(1d, "NoInterest")], _metrics.Of("trustchain.requests", unwanted).Select(m => (m.Value, m.Tag("status"))));

        Assert.Equal([2d, 2d], _metrics.Of("trustchain.request.interested_workers", wanted).Select(m => m.Value));
        Assert.Equal([0d], _metrics.Of("trustchain.request.interested_workers", unwanted).Select(m => m.Value));

        // Every request that went in flight came out again.
        Assert.Equal([1d, -1d, 1d, -1d], _metrics.Of("trustchain.requests.in_flight", wanted).Select(m => m.Value));
        Assert.Equal([1d, -1d], _metrics.Of("trustchain.requests.in_flight", unwanted).Select(m => m.Value));

        Assert.Equal([first.ElapsedMs, second.ElapsedMs], _metrics.Of("trustchain.request.duration", wanted).Select(m => m.Value));
        Assert.All(_metrics.Of("trustchain.request.duration", wanted), m => Assert.Equal("Completed", m.Tag("status")));
        Assert.Equal(
            new[] { first, second }.Select(o => (o.InterestClosedAt!.Value - o.DispatchedAt).TotalMilliseconds),
            _metrics.Of("trustchain.interest_closure.duration", wanted).Select(m => m.Value));
        Assert.Equal([(declined.InterestClosedAt!.Value - declined.DispatchedAt).TotalMilliseconds], _metrics.Of("trustchain.interest_closure.duration", unwanted).Select(m => m.Value));
    }

    [Fact]
    public async Task A_verdict_refused_after_the_interest_window_is_an_event_on_the_late_workers_handling_and_on_the_request()
    {
        var time = new ManualTimeProvider();
        var window = TimeSpan.FromSeconds(1);
        var cluster = Cluster(time, o => o.WorkerConcurrency = 1);
        var prompt = new ProbeWorker("prompt", "late.run") { Blocks = true };
        var late = new ProbeWorker("late", "late.run") { InterestGate = Safety.Signal<bool>() };
        await cluster.StartSiloAsync(b => b.AddWorker(prompt)).Guarded();
        await cluster.StartSiloAsync(b => b.AddWorker(late)).Guarded();
        try
        {
            using var root = SpanCollector.StartRoot("test.late");
            var handle = await cluster.Client.StartAsync("late.run", Empty, new DispatchOptions { InterestWindow = window }).Guarded();
            await late.InterestAsked.Task.Guarded();
            await prompt.Started.Task.Guarded(); // interested and working: the request stays open past the window

            time.Advance(window);
            late.InterestGate!.SetResult(true);
            await _spans.WaitForAsync(root.TraceId, s => s.Any(a => a.OperationName == TrustChainTelemetry.HandleSpan && Tag(a, "trustchain.worker") == "late")).Guarded();
            prompt.Release.SetResult();
            var outcome = await handle.Outcome.Guarded();
            var spans = await _spans.WaitForAsync(root.TraceId, s => s.Count(Is(TrustChainTelemetry.HandleSpan)) == 2 && s.Any(Is(TrustChainTelemetry.RequestSpan))).Guarded();

            Assert.Equal(RequestStatus.Partial, outcome.Status); // the late worker counts as silent
            var handling = spans.Single(a => a.OperationName == TrustChainTelemetry.HandleSpan && Tag(a, "trustchain.worker") == "late");
            Assert.Equal(true, handling.GetTagItem("trustchain.interested"));
            var refused = Assert.Single(handling.Events, e => e.Name == "trustchain.refused");
            Assert.Equal(nameof(RejectionReason.InterestClosed), refused.Tags.Single(t => t.Key == "trustchain.reason").Value);

            var request = spans.Single(Is(TrustChainTelemetry.RequestSpan));
            var rejected = Assert.Single(request.Events, e => e.Name == "trustchain.rejected");
            Assert.Equal(
                ("late", nameof(RejectionReason.InterestClosed), "verdict"),
                (EventTag(rejected, "trustchain.worker"), EventTag(rejected, "trustchain.reason"), EventTag(rejected, "trustchain.reply")));
        }
        finally
        {
            prompt.Abandon();
            late.Abandon();
        }
    }

    private static Func<Activity, bool> Is(string operation) => a => a.OperationName == operation;

    private static string? Tag(Activity activity, string key) => activity.GetTagItem(key)?.ToString();

    private static string? EventTag(ActivityEvent e, string key) => e.Tags.SingleOrDefault(t => t.Key == key).Value?.ToString();

    private TrustChainTestCluster Cluster(TimeProvider? time = null, Action<TrustChainOptions>? configure = null)
    {
        // Interest closes on the verdicts, never because a loaded machine let the clock run past the window.
        var cluster = CreateCluster(
            o =>
            {
                o.InterestWindow = TimeSpan.FromMinutes(2);
                o.DefaultTimeout = TimeSpan.FromMinutes(2);
                configure?.Invoke(o);
            },
            time);
        _clusters.Add(cluster);
        return cluster;
    }
}
