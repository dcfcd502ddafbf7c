using System.Diagnostics;
using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Runtime;
using TrustChain.Telemetry;
using TrustChain.Testing;
using TrustChain.Tests.Cluster;
using TrustChain.Tests.Grains;

namespace TrustChain.Tests.Telemetry;

/// <summary>
/// What an activation reports as its grain moves, driven step by step on a manual clock: refused replies by reason,
/// lost leases, and the span's events and status.
/// </summary>
public sealed class RequestTelemetryTests : IDisposable
{
    private const string Instance = "node-1";
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    private readonly SpanCollector _spans = new();
    private readonly MetricCollector _metrics = new();
    private readonly ManualTimeProvider _clock = new(GrainScenario.Epoch);
    private readonly string _topic = $"observed.run-{Guid.NewGuid():N}";

    public void Dispose()
    {
        _spans.Dispose();
        _metrics.Dispose();
    }

    [Fact]
    public async Task Refused_replies_are_counted_by_reason_a_lost_lease_is_counted_and_the_span_tells_the_story_and_ends_in_error()
    {
        var task = GrainScenario.NewTask(_clock.GetUtcNow(), TimeSpan.FromMinutes(1), Lease, _topic);
        using var span = SpanCollector.StartRoot("test.request");
        using var activation = new RequestActivation(new RequestGrain(task, ["steady", "doomed", "late"], Window, _clock), _clock, span);

        activation.OnVerdict(Verdict(task, "steady", interested: true));
        activation.OnVerdict(Verdict(task, "doomed", interested: true));
        Assert.Equal(RejectionReason.NotInterested, activation.OnResult(Result(task, "late")));
        _clock.Advance(Window);
        Assert.False(activation.OnVerdict(Verdict(task, "late", interested: true)).Accepted);
        Assert.Null(activation.OnResult(Result(task, "steady")));
        Assert.Equal(RejectionReason.DuplicateResult, activation.OnResult(Result(task, "steady")));
        _clock.Advance(Lease);
        var outcome = await activation.Completion.Guarded();

        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(
            [("result", "NotInterested"), ("verdict", "InterestClosed"), ("result", "DuplicateResult")],
            _metrics.Of("trustchain.replies.rejected", _topic).Select(m => (m.Tag("reply"), m.Tag("reason"))));
        var lost = Assert.Single(_metrics.Of("trustchain.leases.lost", _topic));
        Assert.Equal("doomed", lost.Tag("worker"));
        Assert.Equal([(1d, "Partial")], _metrics.Of("trustchain.requests", _topic).Select(m => (m.Value, m.Tag("status"))));
        Assert.Equal([Window.TotalMilliseconds], _metrics.Of("trustchain.interest_closure.duration", _topic).Select(m => m.Value));

        Assert.Equal(
            ["trustchain.verdict", "trustchain.verdict", "trustchain.rejected", "trustchain.interest_closed", "trustchain.rejected",
             "trustchain.result", "trustchain.rejected", "trustchain.lease_lost", "trustchain.completed"],
            span.Events.Select(e => e.Name));
        var lease = span.Events.Single(e => e.Name == "trustchain.lease_lost");
        Assert.Equal("doomed", lease.Tags.Single(t => t.Key == "trustchain.worker").Value);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("Partial", span.GetTagItem("trustchain.status"));
    }

    [Fact]
    public void A_span_that_has_ended_gets_no_more_events_while_metrics_go_on()
    {
        var task = GrainScenario.NewTask(_clock.GetUtcNow(), TimeSpan.FromMinutes(1), Lease, _topic);
        var span = SpanCollector.StartRoot("test.request");
        using var activation = new RequestActivation(new RequestGrain(task, ["one"], Window, _clock), _clock, span);
        activation.OnVerdict(Verdict(task, "one", interested: true));
        span.Stop();

        Assert.Null(activation.OnResult(Result(task, "one")));

        Assert.Equal(["trustchain.verdict", "trustchain.interest_closed"], span.Events.Select(e => e.Name));
        Assert.Equal([(1d, "Completed")], _metrics.Of("trustchain.requests", _topic).Select(m => (m.Value, m.Tag("status"))));
    }

    [Fact]
    public void A_request_forgotten_before_it_ended_leaves_the_in_flight_count_and_is_not_counted_as_ended()
    {
        var task = GrainScenario.NewTask(_clock.GetUtcNow(), TimeSpan.FromMinutes(1), Lease, _topic);
        var activation = new RequestActivation(new RequestGrain(task, ["one"], Window, _clock), _clock);

        activation.Dispose();
        activation.Dispose();

        Assert.Equal([1d, -1d], _metrics.Of("trustchain.requests.in_flight", _topic).Select(m => m.Value));
        Assert.Empty(_metrics.Of("trustchain.requests", _topic));
    }

    private VerdictMessage Verdict(TaskMessage task, string worker, bool interested) =>
        new(task.RequestId, task.Topic, worker, Instance, interested, _clock.GetUtcNow());

    private ResultMessage Result(TaskMessage task, string worker) =>
        new(task.RequestId, task.Topic, worker, Instance, Succeeded: true, GrainScenario.Json(new { worker }), Error: null, [], _clock.GetUtcNow(), _clock.GetUtcNow());
}
