using TrustChain.Grains;
using TrustChain.Messages;

namespace TrustChain.Tests.Grains;

/// <summary>The protocol's journal: what a reader of a request's events relies on.</summary>
public class RequestJournalTests
{
    [Fact]
    public void The_journal_tells_the_whole_run_in_order_with_gapless_sequences()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty", "inventory");
        var g = s.Protocol;

        g.OnVerdict(s.Verdict("fraud", interested: true));
        g.OnVerdict(s.Verdict("loyalty", interested: false));
        Assert.True(g.OnChildDispatched(new ChildDispatched(s.Task.RequestId, "fraud", RequestId.New("node-2"), "risk.score", s.Now)));
        g.OnVerdict(s.Verdict("inventory", interested: true));
        g.OnResult(s.Success("fraud", 7));
        g.OnResult(s.Success("fraud", 8));
        s.Elapse(GrainScenario.DefaultLease); // inventory's first lapse: its task goes out again
        s.Elapse(GrainScenario.DefaultLease); // the second: it is lost

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
                (RequestEventKind.Redelivered, "inventory"),
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
        s.Protocol.OnVerdict(s.Verdict("loyalty", interested: false));

        Assert.False(s.Protocol.OnChildDispatched(new ChildDispatched(s.Task.RequestId, "loyalty", RequestId.New("node-2"), "a.b", s.Now)));
        Assert.False(s.Protocol.OnChildDispatched(new ChildDispatched(s.Task.RequestId, "fraud", RequestId.New("node-2"), "a.b", s.Now)));
        Assert.DoesNotContain(s.Protocol.Events, e => e.Kind == RequestEventKind.ChildDispatched);
    }

    [Fact]
    public void A_reader_that_saw_up_to_a_sequence_gets_exactly_what_followed_it_and_nothing_twice()
    {
        // The grain's long poll pages the journal this way; waiting for it to grow is the grain's business.
        var s = GrainScenario.Expecting("fraud", "loyalty");
        var g = s.Protocol;
        g.OnVerdict(s.Verdict("fraud", interested: true));

        var first = g.EventsAfter(0);
        Assert.Equal([RequestEventKind.Dispatched, RequestEventKind.Verdict], first.Select(e => e.Kind));
        Assert.Equal(first[^1].Sequence, g.LastSequence);
        Assert.Empty(g.EventsAfter(g.LastSequence));

        var seen = g.LastSequence;
        g.OnVerdict(s.Verdict("loyalty", interested: false));
        g.OnResult(s.Success("fraud", 1));

        var rest = g.EventsAfter(seen);
        Assert.Equal(
            [RequestEventKind.Verdict, RequestEventKind.InterestClosed, RequestEventKind.Result, RequestEventKind.Completed],
            rest.Select(e => e.Kind));
        Assert.Equal([3L, 4L, 5L, 6L], rest.Select(e => e.Sequence));
        Assert.Equal(g.Events, first.Concat(rest));

        // Out-of-range positions are clamped, not errors: a reader ahead of the journal simply gets nothing.
        Assert.Equal(g.Events, g.EventsAfter(-5));
        Assert.Empty(g.EventsAfter(g.LastSequence + 10));
    }
}
