using TrustChain.Grains;

namespace TrustChain.Tests.Grains;

/// <summary>
/// The <see cref="RequestProtocol"/> driven one transition at a time on a fake clock (DESIGN.md, lifecycle 1–6,
/// fraud prevention and delivery guarantees).
/// </summary>
public class RequestProtocolTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    // ---- creation and interest closure -----------------------------------------------------------------------

    [Fact]
    public void A_request_with_no_expected_workers_ends_with_no_interest_at_once()
    {
        var s = GrainScenario.Expecting();

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.NoInterest, outcome.Status);
        Assert.Equal(s.Task.DispatchedAt, outcome.CompletedAt);
        Assert.Equal(s.Task.DispatchedAt, outcome.InterestClosedAt);
        Assert.Empty(outcome.Results);
        Assert.Empty(outcome.Verdicts);
        Assert.Null(s.Protocol.NextDueAt);

        // Nothing can reopen it: a worker that subscribed a moment later is told the request is over.
        var reply = s.Interested("late.subscriber");
        Assert.False(reply.Accepted);
        Assert.Equal(RejectionReason.RequestEnded, reply.Reason);
        Assert.Same(outcome, s.Protocol.Outcome);
    }

    [Fact]
    public void When_every_expected_worker_declines_the_request_ends_with_no_interest_before_the_window()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");

        s.Elapse(100);
        Assert.True(s.Declines("fraud").Accepted);
        Assert.False(s.Protocol.IsInterestClosed);
        Assert.False(s.Protocol.IsCompleted);

        s.Elapse(200);
        var reply = s.Declines("loyalty");

        Assert.True(reply.Accepted);
        Assert.Null(reply.Reason);
        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.NoInterest, outcome.Status);
        Assert.Equal(s.At(300), outcome.CompletedAt);
        Assert.Equal(s.At(300), outcome.InterestClosedAt);
        Assert.True(outcome.CompletedAt < s.WindowEnd);
        Assert.Empty(outcome.Results);
        Assert.Equal(["fraud", "loyalty"], outcome.Verdicts.Select(v => v.Worker));
        Assert.All(outcome.Verdicts, v => Assert.False(v.Interested));
        Assert.Null(s.Protocol.NextDueAt);
    }

    [Fact]
    public void Interest_closes_with_the_window_when_some_expected_workers_stay_silent_and_their_silence_makes_the_request_partial()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty", "warehouse");

        Assert.True(s.Interested("fraud").Accepted);
        s.Elapse(100);
        Assert.True(s.Declines("loyalty").Accepted);
        s.Elapse(100);
        Assert.Null(s.Succeeds("fraud", new { score = 3 }));

        // The warehouse has said nothing: interest is still open, so the request waits for it.
        Assert.False(s.Protocol.IsInterestClosed);
        Assert.Equal(RequestStatus.Running, s.Protocol.Status);
        Assert.Equal(s.WindowEnd, s.Protocol.NextDueAt);

        s.ElapseUntil(s.WindowEnd - Tick);
        Assert.False(s.Protocol.IsCompleted);

        s.Elapse(Tick);
        // Silence is not consent: the warehouse is listed as silent and the request cannot end Completed.
        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(["warehouse"], outcome.Silent);
        Assert.Equal(s.WindowEnd, outcome.InterestClosedAt);
        Assert.Equal(s.WindowEnd, outcome.CompletedAt);
        Assert.Equal("fraud", Assert.Single(outcome.Results).Worker);
        Assert.Null(outcome.ResultOf("warehouse"));
        Assert.Equal(["fraud", "loyalty"], outcome.Verdicts.Select(v => v.Worker));
    }

    [Fact]
    public void Interest_closed_by_the_window_still_waits_for_the_interested_workers_results_and_lists_the_silent_one()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        s.Interested("fraud");

        s.ElapseUntil(s.WindowEnd);

        Assert.True(s.Protocol.IsInterestClosed);
        Assert.Equal(s.WindowEnd, s.Protocol.InterestClosedAt);
        Assert.False(s.Protocol.IsCompleted);
        Assert.Equal(WorkerResultStatus.Pending, s.ResultOf("fraud").Status);

        s.Elapse(300);
        Assert.Null(s.Succeeds("fraud", "ok"));

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(["loyalty"], outcome.Silent);
        Assert.Equal(s.WindowEnd + TimeSpan.FromMilliseconds(300), outcome.CompletedAt);
    }

    // ---- completion ------------------------------------------------------------------------------------------

    [Fact]
    public void A_request_completes_when_every_interested_worker_succeeded()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");

        s.Interested("fraud");
        s.Elapse(50);
        s.Interested("loyalty");
        Assert.Equal(s.At(50), s.Protocol.InterestClosedAt);
        Assert.False(s.Protocol.IsCompleted);

        s.Elapse(100);
        Assert.Null(s.Succeeds("fraud", new { score = 3 }));
        Assert.False(s.Protocol.IsCompleted);

        s.Elapse(100);
        Assert.Null(s.Succeeds("loyalty", new { points = 120 }));

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal(s.At(250), outcome.CompletedAt);
        Assert.Equal(s.Task.RequestId, outcome.RequestId);
        Assert.Equal(GrainScenario.Topic, outcome.Topic);
        Assert.Equal(["fraud", "loyalty"], outcome.Results.Select(r => r.Worker));
        Assert.All(outcome.Results, r => Assert.Equal(WorkerResultStatus.Succeeded, r.Status));

        var fraud = outcome.ResultOf("fraud")!;
        Assert.Equal("""{"score":3}""", fraud.Payload?.GetRawText());
        Assert.Equal(s.At(0), fraud.InterestedAt);
        Assert.Equal(s.At(150), fraud.CompletedAt);
        Assert.Equal("""{"points":120}""", outcome.ResultOf("loyalty")!.Payload?.GetRawText());
        Assert.Empty(outcome.Rejected);
        Assert.Null(s.Protocol.NextDueAt);
    }

    [Fact]
    public void One_failed_result_makes_the_request_partial()
    {
        var s = GrainScenario.Expecting("fraud", "warehouse");
        s.Interested("fraud");
        s.Interested("warehouse");

        s.Elapse(100);
        Assert.Null(s.Succeeds("fraud", new { score = 3 }));
        s.Elapse(100);
        Assert.Null(s.Fails("warehouse", "out of stock"));

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(WorkerResultStatus.Succeeded, outcome.ResultOf("fraud")!.Status);
        var warehouse = outcome.ResultOf("warehouse")!;
        Assert.Equal(WorkerResultStatus.Failed, warehouse.Status);
        Assert.Equal("out of stock", warehouse.Error);
        Assert.Null(warehouse.Payload);
    }

    // ---- verdicts --------------------------------------------------------------------------------------------

    [Fact]
    public void A_late_verdict_after_the_window_is_refused_and_the_late_worker_counts_as_silent()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        s.Interested("fraud");
        s.ElapseUntil(s.WindowEnd);
        s.Elapse(100);

        var reply = s.Interested("loyalty", instance: "node-7");

        Assert.False(reply.Accepted);
        Assert.Equal(RejectionReason.InterestClosed, reply.Reason);
        Assert.Equal("loyalty", reply.Worker);
        Assert.Equal("node-7", reply.Instance);
        Assert.Equal(s.Task.RequestId, reply.RequestId);

        // The refused worker does not count: its result is refused too and the request completes without it.
        Assert.Equal(RejectionReason.NotInterested, s.Succeeds("loyalty", 1, instance: "node-7"));
        Assert.Null(s.Succeeds("fraud", 2));

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(["loyalty"], outcome.Silent);
        Assert.Equal("fraud", Assert.Single(outcome.Results).Worker);
        Assert.Equal("fraud", Assert.Single(outcome.Verdicts).Worker);
        Assert.Equal(
            [
                new RejectedReply("loyalty", "verdict", RejectionReason.InterestClosed, s.WindowEnd + TimeSpan.FromMilliseconds(100)),
                new RejectedReply("loyalty", "result", RejectionReason.NotInterested, s.WindowEnd + TimeSpan.FromMilliseconds(100)),
            ],
            outcome.Rejected);
    }

    [Fact]
    public void A_verdict_exactly_at_the_window_end_is_refused_and_one_tick_earlier_is_accepted()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty", "warehouse");

        s.AdvanceClockOnlyUntil(s.WindowEnd - Tick);
        Assert.True(s.Interested("fraud").Accepted);
        Assert.False(s.Protocol.IsInterestClosed);

        s.AdvanceClockOnly(Tick);
        var reply = s.Interested("loyalty");

        Assert.False(reply.Accepted);
        Assert.Equal(RejectionReason.InterestClosed, reply.Reason);
        Assert.Equal(s.WindowEnd, s.Protocol.InterestClosedAt);
        Assert.Equal(RejectionReason.InterestClosed, s.Declines("warehouse").Reason);
        Assert.Equal(["fraud"], s.Protocol.Snapshot().Verdicts.Select(v => v.Worker));
    }

    [Fact]
    public void A_worker_that_changes_its_verdict_is_refused_and_its_first_verdict_stands()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        s.Interested("fraud");
        s.Elapse(10);

        var reply = s.Declines("fraud", instance: "node-2");

        Assert.False(reply.Accepted);
        Assert.Equal(RejectionReason.ConflictingVerdict, reply.Reason);
        var snapshot = s.Protocol.Snapshot();
        Assert.True(Assert.Single(snapshot.Verdicts).Interested);
        Assert.Equal(WorkerResultStatus.Pending, s.ResultOf("fraud").Status);
        Assert.Equal(new RejectedReply("fraud", "verdict", RejectionReason.ConflictingVerdict, s.At(10)), Assert.Single(snapshot.Rejected));
        Assert.False(s.Protocol.IsInterestClosed);

        s.Declines("loyalty");
        Assert.False(s.Protocol.IsCompleted);
        Assert.Null(s.Succeeds("fraud", "ok"));
        Assert.Equal(RequestStatus.Completed, s.Protocol.Status);
    }

    [Fact]
    public void A_worker_that_declined_cannot_turn_interested_later()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        s.Declines("fraud");

        var reply = s.Interested("fraud", instance: "node-2");

        Assert.False(reply.Accepted);
        Assert.Equal(RejectionReason.ConflictingVerdict, reply.Reason);
        Assert.Equal(RejectionReason.NotInterested, s.Succeeds("fraud", "sneaky", instance: "node-2"));
        s.Declines("loyalty");
        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.NoInterest, outcome.Status);
        Assert.Empty(outcome.Results);
        Assert.Equal(2, outcome.Rejected.Count);
    }

    [Fact]
    public void A_repeated_identical_verdict_is_answered_as_the_first_one()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        var first = s.Interested("fraud", instance: "node-1");
        var declined = s.Declines("loyalty");
        Assert.True(s.Protocol.IsInterestClosed);
        s.Elapse(200);

        // The task was redelivered to another instance: same answer, nothing recorded twice.
        var again = s.Interested("fraud", instance: "node-2");
        var declinedAgain = s.Declines("loyalty", instance: "node-2");

        Assert.Equal(first with { Instance = "node-2" }, again);
        Assert.True(again.Accepted);
        Assert.Equal(declined with { Instance = "node-2" }, declinedAgain);
        var snapshot = s.Protocol.Snapshot();
        Assert.Equal(2, snapshot.Verdicts.Count);
        Assert.Empty(snapshot.Rejected);
        Assert.Equal(s.At(0), s.ResultOf("fraud").InterestedAt);

        // Even once interest has closed, a repeat is not a late verdict.
        s.ElapseUntil(s.WindowEnd + TimeSpan.FromMilliseconds(1));
        Assert.True(s.Interested("fraud", instance: "node-3").Accepted);
        Assert.Null(s.Succeeds("fraud", "done", instance: "node-3"));
        Assert.Equal(RequestStatus.Completed, s.Protocol.Status);
        Assert.Empty(s.Protocol.Outcome!.Rejected);
    }

    [Fact]
    public void A_repeated_verdict_after_the_worker_replied_tells_the_new_instance_the_work_is_done()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        s.Interested("fraud");
        s.Interested("loyalty");
        Assert.Null(s.Succeeds("fraud", "first"));

        var again = s.Interested("fraud", instance: "node-2");

        Assert.False(again.Accepted);
        Assert.Equal(RejectionReason.DuplicateResult, again.Reason);
        Assert.Equal("\"first\"", s.ResultOf("fraud").Payload?.GetRawText());
        Assert.Empty(s.Protocol.Snapshot().Rejected);
    }

    [Fact]
    public void A_verdict_on_another_topic_is_refused_and_does_not_close_interest()
    {
        var s = GrainScenario.Expecting("fraud");

        var reply = s.Protocol.OnVerdict(s.Verdict("fraud", interested: true, topic: GrainScenario.OtherTopic));

        Assert.False(reply.Accepted);
        Assert.Equal(RejectionReason.TopicMismatch, reply.Reason);
        Assert.False(s.Protocol.IsInterestClosed);
        Assert.Empty(s.Protocol.Snapshot().Verdicts);
        Assert.True(s.Interested("fraud").Accepted);
        Assert.True(s.Protocol.IsInterestClosed);
    }

    // ---- results ---------------------------------------------------------------------------------------------

    [Fact]
    public void A_result_from_a_worker_that_never_declared_is_rejected()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        s.Interested("fraud");

        Assert.Equal(RejectionReason.NotInterested, s.Succeeds("intruder", "forged"));
        Assert.Equal(RejectionReason.NotInterested, s.Succeeds("loyalty", "too early"));

        var snapshot = s.Protocol.Snapshot();
        Assert.Equal("fraud", Assert.Single(snapshot.Results).Worker);
        Assert.Equal(WorkerResultStatus.Pending, snapshot.Results[0].Status);
        Assert.Equal(["intruder", "loyalty"], snapshot.Rejected.Select(r => r.Worker));
        Assert.All(snapshot.Rejected, r => Assert.Equal(("result", RejectionReason.NotInterested), (r.Kind, r.Reason)));

        // The rejections consumed nothing: loyalty may still declare and reply.
        Assert.True(s.Interested("loyalty").Accepted);
        Assert.Null(s.Succeeds("loyalty", "points"));
        Assert.Null(s.Succeeds("fraud", "score"));
        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal("\"points\"", outcome.ResultOf("loyalty")!.Payload?.GetRawText());
        Assert.Equal(2, outcome.Rejected.Count);
    }

    [Fact]
    public void A_result_from_a_worker_that_declined_is_rejected()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        s.Declines("fraud");
        s.Interested("loyalty");

        Assert.Equal(RejectionReason.NotInterested, s.Succeeds("fraud", "changed my mind"));
        Assert.Null(s.Succeeds("loyalty", "points"));

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal("loyalty", Assert.Single(outcome.Results).Worker);
        var rejected = Assert.Single(outcome.Rejected);
        Assert.Equal(("fraud", "result", RejectionReason.NotInterested), (rejected.Worker, rejected.Kind, rejected.Reason));
    }

    [Fact]
    public void A_second_result_from_the_same_worker_is_rejected_and_keeps_the_first_payload()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        s.Interested("fraud");
        s.Interested("loyalty");
        Assert.Null(s.Succeeds("fraud", new { score = 1 }));
        s.Elapse(10);

        Assert.Equal(RejectionReason.DuplicateResult, s.Fails("fraud", "second thoughts", instance: "node-2"));
        Assert.Equal(RejectionReason.DuplicateResult, s.Succeeds("fraud", new { score = 1 }));

        var fraud = s.ResultOf("fraud");
        Assert.Equal(WorkerResultStatus.Succeeded, fraud.Status);
        Assert.Equal("""{"score":1}""", fraud.Payload?.GetRawText());
        Assert.Null(fraud.Error);
        Assert.Equal(s.At(0), fraud.CompletedAt);

        Assert.Null(s.Succeeds("loyalty", 5));
        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal("""{"score":1}""", outcome.ResultOf("fraud")!.Payload?.GetRawText());
        Assert.Equal(2, outcome.Rejected.Count(r => r is { Worker: "fraud", Kind: "result", Reason: RejectionReason.DuplicateResult }));
    }

    [Fact]
    public void A_result_on_another_topic_is_rejected()
    {
        var s = GrainScenario.Expecting("fraud");
        s.Interested("fraud");

        Assert.Equal(RejectionReason.TopicMismatch, s.Protocol.OnResult(s.Success("fraud", "replayed", topic: GrainScenario.OtherTopic)));

        Assert.Equal(WorkerResultStatus.Pending, s.ResultOf("fraud").Status);
        Assert.False(s.Protocol.IsCompleted);
        Assert.Null(s.Succeeds("fraud", "genuine"));
        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal("\"genuine\"", outcome.ResultOf("fraud")!.Payload?.GetRawText());
        Assert.Equal(RejectionReason.TopicMismatch, Assert.Single(outcome.Rejected).Reason);
    }

    [Fact]
    public void Results_after_the_request_ended_are_refused_and_leave_the_outcome_untouched()
    {
        var s = GrainScenario.Expecting("fraud");
        s.Interested("fraud");
        s.Succeeds("fraud", "ok");
        var outcome = s.Protocol.Outcome;

        Assert.Equal(RejectionReason.RequestEnded, s.Succeeds("fraud", "again"));
        Assert.Equal(RejectionReason.RequestEnded, s.Succeeds("intruder", "forged"));
        Assert.False(s.Renews("fraud"));

        Assert.Same(outcome, s.Protocol.Outcome);
        Assert.Empty(outcome!.Rejected);
    }

    // ---- leases ----------------------------------------------------------------------------------------------

    [Fact]
    public void A_lease_renewal_keeps_a_worker_alive_past_its_first_lease()
    {
        var s = GrainScenario.Create(["fraud"], lease: TimeSpan.FromSeconds(2));
        s.Interested("fraud");
        Assert.Equal(s.At(2000), s.Protocol.NextDueAt);

        s.Elapse(1500);
        Assert.True(s.Renews("fraud"));
        Assert.Equal(s.At(3500), s.Protocol.NextDueAt);

        s.ElapseUntil(s.At(2500));
        Assert.Equal(WorkerResultStatus.Pending, s.ResultOf("fraud").Status);

        s.ElapseUntil(s.At(3400));
        Assert.True(s.Renews("fraud"));
        s.ElapseUntil(s.At(5000));
        Assert.Equal(WorkerResultStatus.Pending, s.ResultOf("fraud").Status);
        Assert.False(s.Protocol.IsCompleted);

        Assert.Null(s.Succeeds("fraud", "slow but sure"));
        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal(s.At(5000), outcome.CompletedAt);
    }

    [Fact]
    public void Only_a_pending_interested_worker_can_renew_a_lease()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty", "warehouse");
        s.Declines("loyalty");
        s.Interested("warehouse");
        s.Interested("fraud");
        s.Succeeds("fraud", "ok");

        Assert.False(s.Renews("loyalty"));
        Assert.False(s.Renews("stranger"));
        Assert.False(s.Renews("fraud"));
        Assert.True(s.Renews("warehouse"));
    }

    [Fact]
    public void A_first_lapsed_lease_asks_for_a_redelivery_and_only_the_second_lapse_counts_the_worker_lost()
    {
        var s = GrainScenario.Create(["fraud"], lease: TimeSpan.FromSeconds(2));
        s.Interested("fraud");
        Assert.Empty(s.Protocol.TakeRedeliveries());

        s.ElapseUntil(s.At(2000));

        // The worker may only have lost its silo: its task goes out again, and it keeps its place with a new lease.
        Assert.Equal(["fraud"], s.Protocol.TakeRedeliveries());
        Assert.Empty(s.Protocol.TakeRedeliveries()); // taking them empties the list
        Assert.False(s.Protocol.IsCompleted);
        Assert.Equal(WorkerResultStatus.Pending, s.ResultOf("fraud").Status);
        Assert.Equal(s.At(4000), s.Protocol.NextDueAt);
        var redelivered = Assert.Single(s.Protocol.Events, e => e.Kind == RequestEventKind.Redelivered);
        Assert.Equal(("fraud", s.At(2000)), (redelivered.Worker, redelivered.At));
        Assert.DoesNotContain(s.Protocol.Events, e => e.Kind == RequestEventKind.LeaseLost);

        s.ElapseUntil(s.At(4000));

        // The second lapse is final: no second redelivery, the worker is lost and the request ends without it.
        Assert.Empty(s.Protocol.TakeRedeliveries());
        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(s.At(4000), outcome.CompletedAt);
        Assert.Equal((WorkerResultStatus.Lost, s.At(4000)), (outcome.ResultOf("fraud")!.Status, outcome.ResultOf("fraud")!.CompletedAt));
        Assert.Equal(
            [RequestEventKind.Redelivered, RequestEventKind.LeaseLost, RequestEventKind.Completed],
            s.Protocol.Events.Where(e => e.Kind is RequestEventKind.Redelivered or RequestEventKind.LeaseLost or RequestEventKind.Completed).Select(e => e.Kind));
    }

    [Fact]
    public void The_instance_that_takes_a_redelivered_task_gets_a_full_lease_from_its_repeated_verdict()
    {
        var s = GrainScenario.Create(["fraud"], lease: TimeSpan.FromSeconds(2));
        s.Interested("fraud");
        s.ElapseUntil(s.At(2000));
        Assert.Equal(["fraud"], s.Protocol.TakeRedeliveries());

        // Reaching a live silo took most of the lease the lapse started; the new instance says so with its verdict.
        s.ElapseUntil(s.At(3500));
        Assert.True(s.Interested("fraud", instance: "node-2").Accepted);

        Assert.Equal(s.At(5500), s.Protocol.NextDueAt);
        s.ElapseUntil(s.At(4000));
        Assert.False(s.Protocol.IsCompleted); // not lost at the end of the old lease
        Assert.Null(s.Succeeds("fraud", "done", instance: "node-2"));
        Assert.Equal(RequestStatus.Completed, s.Protocol.Status);
    }

    [Fact]
    public void A_worker_that_answers_its_redelivered_task_counts_as_if_its_lease_had_never_lapsed()
    {
        var s = GrainScenario.Create(["fraud"], lease: TimeSpan.FromSeconds(2));
        s.Interested("fraud");
        s.ElapseUntil(s.At(2000));
        Assert.Equal(["fraud"], s.Protocol.TakeRedeliveries());
        s.Elapse(300);

        // The redelivered task reaches an instance on another silo: the same verdict again, answered as before.
        var again = s.Interested("fraud", instance: "node-2");
        Assert.True(again.Accepted);
        Assert.True(s.Renews("fraud", instance: "node-2"));
        s.ElapseUntil(s.At(4000)); // the redelivered lease would have lapsed here; the renewal moved it
        Assert.Equal(WorkerResultStatus.Pending, s.ResultOf("fraud").Status);
        Assert.Null(s.Succeeds("fraud", "done", instance: "node-2"));

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal(s.At(0), outcome.ResultOf("fraud")!.InterestedAt);
        Assert.Empty(outcome.Rejected);
        Assert.Empty(s.Protocol.TakeRedeliveries());
    }

    [Fact]
    public void A_redelivered_worker_whose_renewed_lease_lapses_again_is_lost_without_a_second_redelivery()
    {
        var s = GrainScenario.Create(["fraud"], lease: TimeSpan.FromSeconds(2));
        s.Interested("fraud");
        s.ElapseUntil(s.At(2000));
        Assert.Equal(["fraud"], s.Protocol.TakeRedeliveries());
        s.ElapseUntil(s.At(3000));
        Assert.True(s.Renews("fraud"));

        s.ElapseUntil(s.At(5000));

        Assert.Empty(s.Protocol.TakeRedeliveries());
        Assert.Equal(WorkerResultStatus.Lost, s.ResultOf("fraud").Status);
        Assert.Equal(s.At(5000), s.ResultOf("fraud").CompletedAt);
        Assert.Equal(RequestStatus.Partial, s.Protocol.Status);
    }

    [Fact]
    public void A_worker_whose_lease_runs_out_twice_is_lost_and_the_request_is_partial()
    {
        var s = GrainScenario.Create(["fraud", "warehouse"], lease: TimeSpan.FromSeconds(2));
        s.Interested("fraud");
        s.Interested("warehouse");
        s.Elapse(500);
        s.Succeeds("fraud", "ok");

        s.ElapseUntil(s.At(2000));
        Assert.Equal(["warehouse"], s.Protocol.TakeRedeliveries());
        s.ElapseUntil(s.At(4000) - Tick);
        Assert.False(s.Protocol.IsCompleted);
        Assert.Equal(WorkerResultStatus.Pending, s.ResultOf("warehouse").Status);

        s.Elapse(Tick);

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(s.At(4000), outcome.CompletedAt);
        var warehouse = outcome.ResultOf("warehouse")!;
        Assert.Equal(WorkerResultStatus.Lost, warehouse.Status);
        Assert.Equal(s.At(4000), warehouse.CompletedAt);
        Assert.Equal(WorkerResultStatus.Succeeded, outcome.ResultOf("fraud")!.Status);
        Assert.Empty(s.Protocol.WorkersStillWorking());
    }

    [Fact]
    public void A_result_after_the_worker_was_lost_is_rejected_with_lease_expired()
    {
        var s = GrainScenario.Create(["fraud", "loyalty"], window: TimeSpan.FromSeconds(5), lease: TimeSpan.FromSeconds(1));
        s.Interested("fraud");

        s.ElapseUntil(s.At(1000)); // the first lapse redelivers
        s.ElapseUntil(s.At(2000));
        Assert.Equal(WorkerResultStatus.Lost, s.ResultOf("fraud").Status);
        Assert.False(s.Protocol.IsCompleted); // loyalty may still declare

        s.Elapse(200);
        Assert.Equal(RejectionReason.LeaseExpired, s.Succeeds("fraud", "too late"));
        Assert.False(s.Renews("fraud"));
        var again = s.Interested("fraud", instance: "node-2");
        Assert.False(again.Accepted);
        Assert.Equal(RejectionReason.LeaseExpired, again.Reason);
        Assert.Equal(WorkerResultStatus.Lost, s.ResultOf("fraud").Status);
        Assert.Null(s.ResultOf("fraud").Payload);

        s.Declines("loyalty");
        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(WorkerResultStatus.Lost, outcome.ResultOf("fraud")!.Status);
        Assert.Equal(s.At(2000), outcome.ResultOf("fraud")!.CompletedAt);
        var rejected = Assert.Single(outcome.Rejected);
        Assert.Equal(new RejectedReply("fraud", "result", RejectionReason.LeaseExpired, s.At(2200)), rejected);
    }

    // ---- deadline and cancellation ---------------------------------------------------------------------------

    [Fact]
    public void The_deadline_times_the_request_out_keeping_the_results_that_arrived()
    {
        var s = GrainScenario.Create(["fraud", "warehouse"], lease: TimeSpan.FromSeconds(2), timeout: TimeSpan.FromSeconds(3));
        s.Interested("fraud");
        s.Interested("warehouse");
        s.Elapse(1000);
        s.Succeeds("fraud", new { score = 7 });
        Assert.True(s.Renews("warehouse"));
        s.Elapse(1000);
        Assert.True(s.Renews("warehouse"));

        s.ElapseUntil(s.Deadline - Tick);
        Assert.False(s.Protocol.IsCompleted);
        s.Elapse(Tick);

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.TimedOut, outcome.Status);
        Assert.Equal(s.Deadline, outcome.CompletedAt);
        Assert.Equal("""{"score":7}""", outcome.ResultOf("fraud")!.Payload?.GetRawText());
        Assert.Equal(WorkerResultStatus.Succeeded, outcome.ResultOf("fraud")!.Status);
        Assert.Equal(WorkerResultStatus.TimedOut, outcome.ResultOf("warehouse")!.Status);
        Assert.Equal(s.Deadline, outcome.ResultOf("warehouse")!.CompletedAt);
        Assert.Equal(["warehouse"], s.Protocol.WorkersStillWorking());
        Assert.Null(s.Protocol.NextDueAt);

        Assert.Equal(RejectionReason.RequestEnded, s.Succeeds("warehouse", "finally"));
        Assert.Same(outcome, s.Protocol.Outcome);
        Assert.Empty(outcome.Rejected);
    }

    [Fact]
    public void A_deadline_before_the_window_ends_times_out_a_request_whose_interest_is_still_open()
    {
        var s = GrainScenario.Create(["fraud", "loyalty"], window: TimeSpan.FromSeconds(5), timeout: TimeSpan.FromSeconds(2));
        s.Interested("fraud");
        s.Succeeds("fraud", "ok");
        Assert.Equal(s.Deadline, s.Protocol.NextDueAt);

        s.ElapseUntil(s.Deadline);

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.TimedOut, outcome.Status);
        Assert.Equal(s.Deadline, outcome.InterestClosedAt);
        Assert.Equal(WorkerResultStatus.Succeeded, outcome.ResultOf("fraud")!.Status);
    }

    [Fact]
    public void Cancel_ends_the_request_as_cancelled_and_stops_pending_workers()
    {
        var s = GrainScenario.Expecting("fraud", "warehouse", "loyalty");
        s.Interested("fraud");
        s.Interested("warehouse");
        s.Succeeds("fraud", "ok");
        s.Elapse(300);

        Assert.True(s.Protocol.Cancel());

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Cancelled, outcome.Status);
        Assert.Equal(s.At(300), outcome.CompletedAt);
        Assert.Equal(s.At(300), outcome.InterestClosedAt);
        Assert.Equal(WorkerResultStatus.Succeeded, outcome.ResultOf("fraud")!.Status);
        Assert.Equal(WorkerResultStatus.Cancelled, outcome.ResultOf("warehouse")!.Status);
        Assert.Equal(s.At(300), outcome.ResultOf("warehouse")!.CompletedAt);
        Assert.Null(outcome.ResultOf("loyalty"));
        Assert.Equal(["warehouse"], s.Protocol.WorkersStillWorking());
        Assert.Null(s.Protocol.NextDueAt);

        Assert.False(s.Protocol.Cancel());
        s.ElapseUntil(s.Deadline + TimeSpan.FromSeconds(1));
        Assert.Same(outcome, s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Cancelled, s.Protocol.Status);
    }

    [Fact]
    public void Cancel_after_completion_returns_false_and_keeps_the_outcome()
    {
        var s = GrainScenario.Expecting("fraud");
        s.Interested("fraud");
        s.Succeeds("fraud", "ok");
        var outcome = s.Protocol.Outcome;

        Assert.False(s.Protocol.Cancel());

        Assert.Same(outcome, s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Completed, s.Protocol.Status);
    }

    // ---- time ------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(1000, 3000, 10_000, 1000)] // the window comes first
    [InlineData(1000, 500, 10_000, 500)] // the lease comes first
    [InlineData(1000, 3000, 400, 400)] // the deadline comes first
    [InlineData(1000, 1000, 10_000, 1000)] // window and lease at once
    public void NextDueAt_is_the_earliest_of_window_lease_and_deadline(int windowMs, int leaseMs, int timeoutMs, int expectedMs)
    {
        var s = GrainScenario.Create(
            ["fraud", "loyalty"],
            window: TimeSpan.FromMilliseconds(windowMs),
            lease: TimeSpan.FromMilliseconds(leaseMs),
            timeout: TimeSpan.FromMilliseconds(timeoutMs));

        s.Interested("fraud");

        Assert.Equal(s.At(expectedMs), s.Protocol.NextDueAt);
    }

    [Fact]
    public void NextDueAt_follows_the_window_then_the_leases_then_the_deadline()
    {
        var s = GrainScenario.Create(
            ["fraud", "loyalty", "warehouse"],
            window: TimeSpan.FromSeconds(1),
            lease: TimeSpan.FromSeconds(3),
            timeout: TimeSpan.FromSeconds(10));
        Assert.Equal(s.At(1000), s.Protocol.NextDueAt); // window

        s.Elapse(200);
        s.Interested("fraud");
        s.Elapse(100);
        s.Interested("warehouse");
        Assert.Equal(s.At(1000), s.Protocol.NextDueAt); // window still first

        s.ElapseUntil(s.At(1000));
        Assert.Equal(s.At(3200), s.Protocol.NextDueAt); // fraud's lease

        s.ElapseUntil(s.At(2000));
        s.Renews("fraud");
        Assert.Equal(s.At(3300), s.Protocol.NextDueAt); // now warehouse's lease

        s.Succeeds("warehouse", "ok");
        Assert.Equal(s.At(5000), s.Protocol.NextDueAt); // fraud's renewed lease

        s.ElapseUntil(s.At(4500));
        s.Renews("fraud");
        s.ElapseUntil(s.At(7000));
        s.Renews("fraud");
        s.ElapseUntil(s.At(9500));
        s.Renews("fraud");
        Assert.Equal(s.Deadline, s.Protocol.NextDueAt); // renewed past the deadline
    }

    [Fact]
    public void A_verdict_after_the_window_is_refused_even_when_the_timer_has_not_fired()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        s.Interested("fraud");

        s.AdvanceClockOnly(TimeSpan.FromMilliseconds(1500));
        var reply = s.Interested("loyalty");

        Assert.False(reply.Accepted);
        Assert.Equal(RejectionReason.InterestClosed, reply.Reason);
        Assert.Equal(s.WindowEnd, s.Protocol.InterestClosedAt); // closed when the window ended, not when noticed
    }

    [Fact]
    public void An_input_after_several_due_times_applies_them_in_the_order_they_fell_due()
    {
        var s = GrainScenario.Create(["fraud", "warehouse", "loyalty"], window: TimeSpan.FromSeconds(5), lease: TimeSpan.FromSeconds(1));
        s.Interested("fraud");
        s.AdvanceClockOnly(TimeSpan.FromMilliseconds(500));
        s.Interested("warehouse");

        s.AdvanceClockOnlyUntil(s.At(6000));
        var rejection = s.Succeeds("warehouse", "late");

        // fraud's lease lapsed at 1 s (redelivered) and 2 s (lost), warehouse's at 1.5 s and 2.5 s; both were settled
        // when interest closed at 5 s: the request ended then, so the result at 6 s comes after its end.
        Assert.Equal(RejectionReason.RequestEnded, rejection);
        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(s.At(5000), outcome.CompletedAt);
        Assert.Equal(s.At(5000), outcome.InterestClosedAt);
        Assert.Equal(s.At(2000), outcome.ResultOf("fraud")!.CompletedAt);
        Assert.Equal(s.At(2500), outcome.ResultOf("warehouse")!.CompletedAt);
        Assert.All(outcome.Results, r => Assert.Equal(WorkerResultStatus.Lost, r.Status));
        Assert.Equal(
            [
                (RequestEventKind.Redelivered, "fraud", s.At(1000)),
                (RequestEventKind.Redelivered, "warehouse", s.At(1500)),
                (RequestEventKind.LeaseLost, "fraud", s.At(2000)),
                (RequestEventKind.LeaseLost, "warehouse", s.At(2500)),
                (RequestEventKind.InterestClosed, null, s.At(5000)),
                (RequestEventKind.Completed, null, s.At(5000)),
            ],
            s.Protocol.Events.Skip(3).Select(e => (e.Kind, e.Worker, e.At)));
    }

    [Fact]
    public void A_result_after_the_deadline_is_refused_even_when_the_timer_has_not_fired()
    {
        var s = GrainScenario.Create(["fraud"], lease: TimeSpan.FromSeconds(10), timeout: TimeSpan.FromSeconds(3));
        s.Interested("fraud");

        s.AdvanceClockOnly(TimeSpan.FromSeconds(4));

        Assert.Equal(RejectionReason.RequestEnded, s.Succeeds("fraud", "too late"));
        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.TimedOut, outcome.Status);
        Assert.Equal(s.Deadline, outcome.CompletedAt);
        Assert.Equal(WorkerResultStatus.TimedOut, outcome.ResultOf("fraud")!.Status);
    }

    [Fact]
    public void A_result_just_before_the_deadline_is_accepted_and_one_at_the_deadline_is_not()
    {
        var early = GrainScenario.Create(["fraud"], timeout: TimeSpan.FromSeconds(3));
        early.Interested("fraud");
        early.Elapse(1000);
        early.Renews("fraud");
        early.AdvanceClockOnlyUntil(early.Deadline - Tick);
        Assert.Null(early.Succeeds("fraud", "just in time"));
        Assert.Equal(RequestStatus.Completed, early.Protocol.Status);

        var late = GrainScenario.Create(["fraud"], timeout: TimeSpan.FromSeconds(3));
        late.Interested("fraud");
        late.Elapse(1000);
        late.Renews("fraud");
        late.AdvanceClockOnlyUntil(late.Deadline);
        Assert.Equal(RejectionReason.RequestEnded, late.Succeeds("fraud", "just too late"));
        Assert.Equal(RequestStatus.TimedOut, late.Protocol.Status);
    }

    // ---- the seed's race -------------------------------------------------------------------------------------

    [Fact]
    public void The_seeds_race_a_fast_worker_cannot_complete_the_request_before_a_slow_expected_worker_declares()
    {
        var s = GrainScenario.Expecting("fast", "slow");

        // The fast worker pushes, finishes and pops: the seed's list is empty, but the slow worker has not pushed.
        s.Elapse(10);
        Assert.True(s.Interested("fast").Accepted);
        s.Elapse(10);
        Assert.Null(s.Succeeds("fast", "quick"));

        Assert.False(s.Protocol.IsCompleted);
        Assert.False(s.Protocol.IsInterestClosed);
        Assert.Equal(RequestStatus.Running, s.Protocol.Status);

        s.Elapse(300);
        Assert.True(s.Interested("slow").Accepted);
        Assert.True(s.Protocol.IsInterestClosed);
        Assert.False(s.Protocol.IsCompleted);

        s.Elapse(400);
        Assert.Null(s.Succeeds("slow", "thorough"));

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal(["fast", "slow"], outcome.Results.Select(r => r.Worker));
        Assert.Equal(["\"quick\"", "\"thorough\""], outcome.Results.Select(r => r.Payload?.GetRawText()));
        Assert.Equal(s.At(720), outcome.CompletedAt);
    }

    [Fact]
    public void A_snapshot_shows_the_results_so_far_while_running()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        s.Interested("fraud");
        s.Interested("loyalty");
        s.Elapse(100);
        s.Succeeds("fraud", "ok");

        var snapshot = s.Protocol.Snapshot();

        Assert.Equal(RequestStatus.Running, snapshot.Status);
        Assert.Equal(s.Now, snapshot.CompletedAt);
        Assert.Equal(WorkerResultStatus.Succeeded, snapshot.ResultOf("fraud")!.Status);
        Assert.Equal(WorkerResultStatus.Pending, snapshot.ResultOf("loyalty")!.Status);
        Assert.Null(s.Protocol.Outcome);
        Assert.Equal(["loyalty"], s.Protocol.WorkersStillWorking());
    }
}
