using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using TrustChain.Messages;
using TrustChain.Serialization;
using TrustChain.Telemetry;
using TrustChain.Tests.Cluster;
using TrustChain.Tests.Testing;
using static TrustChain.Tests.Telemetry.TelemetryTests;

namespace TrustChain.Tests.Telemetry;

/// <summary>
/// What a request reports as its grain moves, driven step by step on the grains' fake clock: refused replies by
/// reason, lost leases, and the story its span tells once the outcome is in.
/// </summary>
public sealed class RequestTelemetryTests : IDisposable
{
    public const string Topic = "observed.run";

    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    private readonly SpanCollector _spans = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public void Dispose() => _spans.Dispose();

    [Fact]
    public async Task Refused_replies_are_counted_by_reason_a_lost_lease_is_counted_and_the_span_tells_the_story_and_ends_in_error()
    {
        using var rejections = Collect<long>("trustchain.replies.rejected");
        using var lost = Collect<long>("trustchain.leases.lost");
        using var requests = Collect<long>("trustchain.requests");
        using var closure = Collect<double>("trustchain.interest_closure.duration");
        await using var cluster = new TrustChainTestCluster(_time);
        var steady = new ProbeWorker("observed-steady", Topic) { Blocks = true };
        var late = new ProbeWorker("observed-late", Topic) { InterestGate = Safety.Signal<bool>() };

        // Doomed's own instance never gets to its verdict; the verdict that speaks for it comes bare, as from an
        // instance that died right after: nothing renews its lease.
        var doomed = new ProbeWorker("observed-doomed", Topic) { InterestGate = Safety.Signal<bool>() };
        await cluster.StartSiloAsync(steady).Guarded();
        await cluster.StartSiloAsync(late, doomed).Guarded();
        try
        {
            using var root = SpanCollector.StartRoot("test.request");
            var handle = await cluster.Client.StartAsync(Topic, JsonDocument.Parse("{}").RootElement, new DispatchOptions { InterestWindow = Window, LeaseDuration = Lease, Timeout = TimeSpan.FromMinutes(1) }).Guarded();
            var id = handle.RequestId;
            var grain = cluster.GrainClient.GetGrain<IRequestGrain>(id.Value);
            await steady.Started.Task.Guarded();
            await late.InterestAsked.Task.Guarded();
            await doomed.InterestAsked.Task.Guarded();

            Assert.True((await grain.OnVerdictAsync(new VerdictMessage(id, Topic, doomed.Name, "gone", true, _time.GetUtcNow())).Guarded()).Accepted);
            Assert.Equal(RejectionReason.NotInterested, await grain.OnResultAsync(Result(id, late.Name)).Guarded());
            _time.Advance(Window);
            await cluster.GrainClient.WaitForEventAsync(id, e => e.Kind == RequestEventKind.InterestClosed).Guarded();
            late.InterestGate!.SetResult(true);
            await cluster.GrainClient.WaitForEventAsync(id, e => e is { Kind: RequestEventKind.Rejected, ReplyKind: "verdict" }).Guarded();
            steady.Release.SetResult();
            await cluster.GrainClient.WaitForRequestAsync(id, o => o.ResultOf(steady.Name)?.Status == WorkerResultStatus.Succeeded).Guarded();
            Assert.Equal(RejectionReason.DuplicateResult, await grain.OnResultAsync(Result(id, steady.Name)).Guarded());
            _time.Advance(Lease * 2); // doomed's lease lapses once (its task goes out again), then for good
            var outcome = await handle.Outcome.Guarded();

            Assert.Equal(RequestStatus.Partial, outcome.Status);
            Assert.Equal(WorkerResultStatus.Lost, outcome.ResultOf(doomed.Name)!.Status);
            Assert.Equal(
                [("result", "NotInterested"), ("verdict", "InterestClosed"), ("result", "DuplicateResult")],
                Of(rejections, Topic).Select(m => (Tag(m, "reply"), Tag(m, "reason"))));
            Assert.Equal(doomed.Name, Tag(Assert.Single(Of(lost, Topic)), "worker"));
            Assert.Equal([(1L, "Partial")], Of(requests, Topic).Select(m => (m.Value, Tag(m, "status"))));
            Assert.Equal([Window.TotalMilliseconds], Of(closure, Topic).Select(m => m.Value));

            // The span is the dispatcher's: the journal becomes its events once the outcome is in, the decision last
            // (acknowledgements, which may follow it, are left out here).
            var span = (await _spans.WaitForAsync(root.TraceId, s => s.Any(Is(TrustChainTelemetry.RequestSpan))).Guarded()).Single(Is(TrustChainTelemetry.RequestSpan));
            Assert.Equal(
                ["trustchain.verdict", "trustchain.verdict", "trustchain.rejected", "trustchain.interest_closed", "trustchain.rejected",
                 "trustchain.result", "trustchain.rejected", "trustchain.redelivered", "trustchain.lease_lost", "trustchain.completed", "trustchain.decided"],
                span.Events.Select(e => e.Name).TakeWhile(e => e != "trustchain.decision_applied"));
            var lease = span.Events.Single(e => e.Name == "trustchain.lease_lost");
            Assert.Equal(doomed.Name, EventTag(lease, "trustchain.worker"));
            Assert.Equal(nameof(Decision.Abort), EventTag(span.Events.Single(e => e.Name == "trustchain.decided"), "trustchain.decision"));
            Assert.Equal(ActivityStatusCode.Error, span.Status);
            Assert.Equal("Partial", span.GetTagItem("trustchain.status"));
        }
        finally
        {
            steady.Abandon();
            late.Abandon();
            doomed.Abandon();
        }
    }

    private ResultMessage Result(RequestId id, string worker) =>
        new(id, Topic, worker, "test", Succeeded: true, TrustChainJson.ToElement(new { worker }), Error: null, [], _time.GetUtcNow(), _time.GetUtcNow());
}
