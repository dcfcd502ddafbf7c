using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using TrustChain.Demo;
using TrustChain.Telemetry;
using TrustChain.Tests.Cluster;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Telemetry;

/// <summary>
/// Traces and metrics as an OpenTelemetry pipeline would see them, over an Orleans test cluster of two silos: the
/// trace context crosses from the dispatcher (the cluster client, as an API) to the worker grains and back into the
/// nested requests they dispatch. Spans and metrics are process-wide: everything is read by the test's own trace id
/// or topics.
/// </summary>
public sealed class TelemetryTests : IDisposable
{
    public const string WantedTopic = "metered.wanted";
    public const string UnwantedTopic = "metered.unwanted";
    public const string LateTopic = "telemetry.late";

    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    private readonly SpanCollector _spans = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public void Dispose() => _spans.Dispose();

    [Fact]
    public async Task A_nested_demo_order_is_one_trace_request_then_each_worker_handling_then_the_nested_request_under_the_worker_that_dispatched_it()
    {
        await using var cluster = new TrustChainTestCluster(_time);
        await cluster.StartDemoSiloAsync(FraudWorker.WorkerName, InventoryWorker.WorkerName, LoyaltyWorker.WorkerName).Guarded();
        await cluster.StartDemoSiloAsync(WarehouseAWorker.WorkerName, WarehouseBWorker.WorkerName).Guarded();
        var order = new OrderPlaced { OrderId = "o-t", CustomerId = "c-t", Amount = 1500, Items = [new OrderItem("A-1", 1), new OrderItem("B-1", 1)] };

        using var root = SpanCollector.StartRoot("test.order");
        var outcome = await cluster.Client.DispatchAsync(DemoTopics.OrderPlaced, order).Guarded();
        Assert.Equal(RequestStatus.Completed, outcome.Status);

        // A worker's handling ends once its result is sent, possibly after the outcome: wait for the spans to end.
        var spans = await _spans.WaitForAsync(root.TraceId, s => s.Count(Is(TrustChainTelemetry.RequestSpan)) == 2 && s.Count(Is(TrustChainTelemetry.HandleSpan)) == 5).Guarded();

        var request = Assert.Single(spans, s => s.OperationName == TrustChainTelemetry.RequestSpan && Tag(s, "trustchain.topic") == DemoTopics.OrderPlaced);
        Assert.Equal(root.SpanId, request.ParentSpanId);
        Assert.Equal(ActivityKind.Producer, request.Kind);
        Assert.Equal(outcome.RequestId.Value, Tag(request, "trustchain.request_id"));
        Assert.Equal(nameof(RequestStatus.Completed), Tag(request, "trustchain.status"));

        var handlings = spans.Where(Is(TrustChainTelemetry.HandleSpan)).ToDictionary(s => Tag(s, "trustchain.worker")!);
        Assert.Equal(
            [FraudWorker.WorkerName, InventoryWorker.WorkerName, LoyaltyWorker.WorkerName, WarehouseAWorker.WorkerName, WarehouseBWorker.WorkerName],
            handlings.Keys.Order(StringComparer.Ordinal));
        foreach (var worker in new[] { FraudWorker.WorkerName, InventoryWorker.WorkerName, LoyaltyWorker.WorkerName })
        {
            Assert.Equal(request.SpanId, handlings[worker].ParentSpanId);
            Assert.Equal(ActivityKind.Consumer, handlings[worker].Kind);
            Assert.Equal(outcome.RequestId.Value, Tag(handlings[worker], "trustchain.request_id"));
        }

        // The nested request's span is a child of the handling that dispatched it, on the silo it ran on.
        var nested = Assert.Single(spans, s => s.OperationName == TrustChainTelemetry.RequestSpan && Tag(s, "trustchain.topic") == DemoTopics.StockReserve);
        Assert.Equal(handlings[InventoryWorker.WorkerName].SpanId, nested.ParentSpanId);
        Assert.Equal(outcome.RequestId.Value, Tag(nested, "trustchain.parent_request_id"));
        Assert.Equal(InventoryWorker.WorkerName, Tag(nested, "trustchain.parent_worker"));
        Assert.Equal(nested.SpanId, handlings[WarehouseAWorker.WorkerName].ParentSpanId);
        Assert.Equal(nested.SpanId, handlings[WarehouseBWorker.WorkerName].ParentSpanId);
        Assert.NotEqual(Tag(handlings[InventoryWorker.WorkerName], "trustchain.node"), Tag(handlings[WarehouseAWorker.WorkerName], "trustchain.node"));

        // The request's story is told by its span's events, in order, the decision after the outcome.
        var events = request.Events.Select(e => e.Name).ToList();
        Assert.Equal(3, events.Count(e => e == "trustchain.verdict"));
        Assert.Equal(3, events.Count(e => e == "trustchain.result"));
        Assert.Contains("trustchain.child_dispatched", events);
        Assert.True(events.IndexOf("trustchain.interest_closed") < events.IndexOf("trustchain.completed"));
        Assert.Equal("trustchain.decided", events[events.IndexOf("trustchain.completed") + 1]);
        var decided = request.Events.Single(e => e.Name == "trustchain.decided");
        Assert.Equal(nameof(Decision.Commit), EventTag(decided, "trustchain.decision"));
    }

    [Fact]
    public async Task Request_metrics_count_each_request_by_topic_and_status_with_its_interested_workers_durations_and_decision()
    {
        using var requests = Collect<long>("trustchain.requests");
        using var interested = Collect<long>("trustchain.request.interested_workers");
        using var inFlight = Collect<long>("trustchain.requests.in_flight");
        using var duration = Collect<double>("trustchain.request.duration");
        using var closure = Collect<double>("trustchain.interest_closure.duration");
        using var decisions = Collect<long>("trustchain.decisions");
        await using var cluster = new TrustChainTestCluster(_time);
        var one = new ProbeWorker("metered-one", WantedTopic) { Blocks = true };
        await cluster.StartSiloAsync(one).Guarded();
        await cluster.StartSiloAsync(new ProbeWorker("metered-two", WantedTopic), new ProbeWorker("metered-shy", WantedTopic, UnwantedTopic) { Interested = false }).Guarded();
        var work = TimeSpan.FromMilliseconds(250);

        // The first request takes 250 ms of the grains' clock: interest closes at once, metered-one then works.
        var handle = await cluster.Client.StartAsync(WantedTopic, Empty).Guarded();
        await one.Started.Task.Guarded();
        await cluster.GrainClient.WaitForEventAsync(handle.RequestId, e => e.Kind == RequestEventKind.InterestClosed).Guarded();
        _time.Advance(work);
        one.Release.SetResult();
        var first = await handle.Outcome.Guarded();
        var second = await cluster.Client.DispatchAsync(WantedTopic, Empty).Guarded();
        var declined = await cluster.Client.DispatchAsync(UnwantedTopic, Empty).Guarded();

        Assert.Equal([RequestStatus.Completed, RequestStatus.Completed, RequestStatus.NoInterest], new[] { first.Status, second.Status, declined.Status });

        Assert.Equal([(1L, "Completed"), (1L, "Completed")], Of(requests, WantedTopic).Select(m => (m.Value, Tag(m, "status"))));
        Assert.Equal([(1L, "NoInterest")], Of(requests, UnwantedTopic).Select(m => (m.Value, Tag(m, "status"))));

        Assert.Equal([2L, 2L], Of(interested, WantedTopic).Select(m => m.Value));
        Assert.Equal([0L], Of(interested, UnwantedTopic).Select(m => m.Value));

        // Every request that went in flight came out again.
        Assert.Equal([1L, -1L, 1L, -1L], Of(inFlight, WantedTopic).Select(m => m.Value));
        Assert.Equal([1L, -1L], Of(inFlight, UnwantedTopic).Select(m => m.Value));

        Assert.Equal([work.TotalMilliseconds, 0], [first.ElapsedMs, second.ElapsedMs]);
        Assert.Equal([first.ElapsedMs, second.ElapsedMs], Of(duration, WantedTopic).Select(m => m.Value));
        Assert.All(Of(duration, WantedTopic), m => Assert.Equal("Completed", Tag(m, "status")));
        Assert.Equal(
            new[] { first, second }.Select(o => (o.InterestClosedAt!.Value - o.DispatchedAt).TotalMilliseconds),
            Of(closure, WantedTopic).Select(m => m.Value));
        Assert.Equal([(declined.InterestClosedAt!.Value - declined.DispatchedAt).TotalMilliseconds], Of(closure, UnwantedTopic).Select(m => m.Value));

        // Each request was decided Commit before its outcome came back. The counter carries no topic (see the
        // report): other tests' decisions may add to it, never take from it.
        Assert.All([first, second, declined], o => Assert.Equal(Decision.Commit, o.Decision?.Decision));
        Assert.True(decisions.GetMeasurementSnapshot().Count(m => Tag(m, "kind") == nameof(Decision.Commit)) >= 3);
    }

    [Fact]
    public async Task A_verdict_refused_after_the_interest_window_is_an_event_on_the_late_workers_handling_and_on_the_request()
    {
        var window = TimeSpan.FromSeconds(1);
        await using var cluster = new TrustChainTestCluster(_time);
        var prompt = new ProbeWorker("telemetry-prompt", LateTopic) { Blocks = true };
        var late = new ProbeWorker("telemetry-late", LateTopic) { InterestGate = Safety.Signal<bool>() };
        await cluster.StartSiloAsync(prompt).Guarded();
        await cluster.StartSiloAsync(late).Guarded();
        try
        {
            using var root = SpanCollector.StartRoot("test.late");
            var handle = await cluster.Client.StartAsync(LateTopic, Empty, new DispatchOptions { InterestWindow = window }).Guarded();
            await late.InterestAsked.Task.Guarded();
            await prompt.Started.Task.Guarded(); // interested and working: the request stays open past the window

            _time.Advance(window);
            late.InterestGate!.SetResult(true);
            await _spans.WaitForAsync(root.TraceId, s => s.Any(a => a.OperationName == TrustChainTelemetry.HandleSpan && Tag(a, "trustchain.worker") == late.Name)).Guarded();
            prompt.Release.SetResult();
            var outcome = await handle.Outcome.Guarded();
            var spans = await _spans.WaitForAsync(root.TraceId, s => s.Count(Is(TrustChainTelemetry.HandleSpan)) == 2 && s.Any(Is(TrustChainTelemetry.RequestSpan))).Guarded();

            Assert.Equal(RequestStatus.Partial, outcome.Status); // the late worker counts as silent
            Assert.Equal([late.Name], outcome.Silent);
            var handling = spans.Single(a => a.OperationName == TrustChainTelemetry.HandleSpan && Tag(a, "trustchain.worker") == late.Name);
            Assert.Equal(true, handling.GetTagItem("trustchain.interested"));
            var refused = Assert.Single(handling.Events, e => e.Name == "trustchain.refused");
            Assert.Equal(nameof(RejectionReason.InterestClosed), EventTag(refused, "trustchain.reason"));

            var request = spans.Single(Is(TrustChainTelemetry.RequestSpan));
            var rejected = Assert.Single(request.Events, e => e.Name == "trustchain.rejected");
            Assert.Equal(
                (late.Name, nameof(RejectionReason.InterestClosed), "verdict"),
                (EventTag(rejected, "trustchain.worker"), EventTag(rejected, "trustchain.reason"), EventTag(rejected, "trustchain.reply")));
            Assert.Equal(ActivityStatusCode.Error, request.Status);
        }
        finally
        {
            prompt.Abandon();
            late.Abandon();
        }
    }

    internal static Func<Activity, bool> Is(string operation) => a => a.OperationName == operation;

    internal static string? Tag(Activity activity, string key) => activity.GetTagItem(key)?.ToString();

    internal static string? EventTag(ActivityEvent e, string key) => e.Tags.SingleOrDefault(t => t.Key == key).Value?.ToString();

    internal static MetricCollector<T> Collect<T>(string instrument)
        where T : struct => new(TrustChainTelemetry.Meter, instrument);

    /// <summary>The measurements tagged with <paramref name="topic"/>, in order: other tests measure their own topics meanwhile.</summary>
    internal static IReadOnlyList<CollectedMeasurement<T>> Of<T>(MetricCollector<T> collector, string topic)
        where T : struct => [.. collector.GetMeasurementSnapshot().Where(m => Tag(m, "topic") == topic)];

    internal static string? Tag<T>(CollectedMeasurement<T> measurement, string key)
        where T : struct => measurement.Tags.TryGetValue(key, out var value) ? value?.ToString() : null;
}
