using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Runtime;

namespace TrustChain.Tests.Grains;

/// <summary>The grain's journal: what a reader of a request's events relies on.</summary>
public class RequestJournalTests
{
    [Fact]
    public void The_journal_tells_the_whole_run_in_order_with_gapless_sequences()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty", "inventory");
        var g = s.Grain;

        g.OnVerdict(s.Verdict("fraud", interested: true));
        g.OnVerdict(s.Verdict("loyalty", interested: false));
        Assert.True(g.OnChildDispatched(new ChildDispatched(s.Task.RequestId, "fraud", RequestId.New("node-2"), "risk.score", s.Now)));
        g.OnVerdict(s.Verdict("inventory", interested: true));
        g.OnResult(s.Success("fraud", 7));
        g.OnResult(s.Success("fraud", 8));
        s.Elapse(GrainScenario.DefaultLease);

        var kinds = g.Events.Select(e => (e.Kind, e.Worker)).ToList();
        Assert.Equal(
            [
                (RequestEventKind.Dispatched, null),
                (RequestEventKind.Verdict, "fraud"),
                (RequestEventKind.Verdict, "loyalty"),
                (RequestEventKind.ChildDispatched, "fraud"),
                (RequestEventKind.Verdict, "inventory"),
                (RequestEventKind.InterestClosed, null),
                (RequestEventKind.Result, "fraud"),
                (RequestEventKind.Rejected, "fraud"),
                (RequestEventKind.LeaseLost, "inventory"),
                (RequestEventKind.Completed, null),
            ],
            kinds);
        Assert.Equal(Enumerable.Range(1, kinds.Count).Select(i => (long)i), g.Events.Select(e => e.Sequence));
        Assert.Equal(["fraud", "inventory", "loyalty"], g.Events[0].Expected);
        Assert.Equal(RejectionReason.DuplicateResult, g.Events[7].Reason);
        Assert.Same(g.Outcome, g.Events[^1].Outcome);
        Assert.Equal(RequestStatus.Partial, g.Events[^1].Outcome!.Status);
        Assert.Equal(g.Events.Skip(6), g.EventsAfter(6));
    }

    [Fact]
    public void A_nested_dispatch_from_a_worker_that_is_not_working_on_the_request_is_not_journaled()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        s.Grain.OnVerdict(s.Verdict("loyalty", interested: false));

        Assert.False(s.Grain.OnChildDispatched(new ChildDispatched(s.Task.RequestId, "loyalty", RequestId.New("node-2"), "a.b", s.Now)));
        Assert.False(s.Grain.OnChildDispatched(new ChildDispatched(s.Task.RequestId, "fraud", RequestId.New("node-2"), "a.b", s.Now)));
        Assert.DoesNotContain(s.Grain.Events, e => e.Kind == RequestEventKind.ChildDispatched);
    }

    [Fact]
    public async Task A_late_watcher_gets_what_already_happened_then_the_rest_as_it_happens_and_the_stream_ends()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        using var activation = new RequestActivation(new RequestGrain(s.Task, s.ExpectedWorkers, s.Window, s.Clock), s.Clock);
        activation.OnVerdict(s.Verdict("fraud", interested: true));

        await using var watch = activation.WatchAsync(0).GetAsyncEnumerator();
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(RequestEventKind.Dispatched, watch.Current.Kind);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal((RequestEventKind.Verdict, "fraud"), (watch.Current.Kind, watch.Current.Worker));

        var next = watch.MoveNextAsync();
        Assert.False(next.IsCompleted);
        activation.OnVerdict(s.Verdict("loyalty", interested: false));
        Assert.True(await next);
        Assert.Equal((RequestEventKind.Verdict, "loyalty"), (watch.Current.Kind, watch.Current.Worker));
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(RequestEventKind.InterestClosed, watch.Current.Kind);

        activation.OnResult(s.Success("fraud", 1));
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(RequestEventKind.Result, watch.Current.Kind);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(RequestEventKind.Completed, watch.Current.Kind);
        Assert.False(await watch.MoveNextAsync());

        var replay = new List<RequestEvent>();
        await foreach (var entry in activation.WatchAsync(3))
        {
            replay.Add(entry);
        }

        Assert.Equal([4L, 5L, 6L], replay.Select(e => e.Sequence));
    }
}
