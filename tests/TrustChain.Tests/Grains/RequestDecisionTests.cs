using TrustChain.Messages;

namespace TrustChain.Tests.Grains;

/// <summary>The protocol's side of the decision (DESIGN.md, step 7): recorded once after the end, with who acknowledged it.</summary>
public class RequestDecisionTests
{
    [Fact]
    public void A_running_request_cannot_be_decided()
    {
        var s = GrainScenario.Expecting("fraud");
        s.Interested("fraud");

        Assert.False(s.Protocol.Decide(Decision.Commit, "too early"));
        Assert.Null(s.Protocol.Decision);
        Assert.DoesNotContain(s.Protocol.Events, e => e.Kind == RequestEventKind.Decided);
    }

    [Fact]
    public void An_ended_request_is_decided_once_and_the_outcome_and_journal_show_it_with_every_participant_unacknowledged()
    {
        var s = Ended();

        Assert.True(s.Protocol.Decide(Decision.Abort, "the request ended Partial"));
        Assert.False(s.Protocol.Decide(Decision.Commit, "second thoughts"));

        var decision = Assert.IsType<RequestDecision>(s.Protocol.Snapshot().Decision);
        Assert.Equal((Decision.Abort, "the request ended Partial", s.Now), (decision.Decision, decision.Reason, decision.At));
        Assert.Empty(decision.Acknowledgements);
        Assert.Equal(["fraud", "loyalty"], decision.Unacknowledged);
        Assert.False(s.Protocol.IsSettled);
        var decided = Assert.Single(s.Protocol.Events, e => e.Kind == RequestEventKind.Decided);
        Assert.Equal((Decision.Abort, "the request ended Partial"), (decided.Decision, decided.Detail));
        Assert.Null(s.Protocol.Outcome!.Decision); // the outcome as joined at the end stays as it was
    }

    [Fact]
    public void Acknowledgements_are_kept_once_per_participant_and_every_one_is_journaled()
    {
        var s = Ended();
        s.Protocol.Decide(Decision.Abort, "partial");

        Assert.True(s.Protocol.OnDecisionAck(Ack(s, "fraud", DecisionAckStatus.Applied, "released A-1 x2")));
        Assert.True(s.Protocol.OnDecisionAck(Ack(s, "fraud", DecisionAckStatus.AlreadyApplied)));
        Assert.False(s.Protocol.IsSettled);
        Assert.True(s.Protocol.OnDecisionAck(Ack(s, "loyalty", DecisionAckStatus.Expired)));

        var decision = s.Protocol.Decision!;
        Assert.True(s.Protocol.IsSettled);
        Assert.Empty(decision.Unacknowledged);
        Assert.Equal(
            [("fraud", DecisionAckStatus.Applied, "released A-1 x2"), ("loyalty", DecisionAckStatus.Expired, (string?)null)],
            decision.Acknowledgements.Select(a => (a.Worker, a.Status, a.Detail)));
        Assert.Equal(
            [DecisionAckStatus.Applied, DecisionAckStatus.AlreadyApplied, DecisionAckStatus.Expired],
            s.Protocol.Events.Where(e => e.Kind == RequestEventKind.DecisionApplied).Select(e => e.AckStatus!.Value));
    }

    [Fact]
    public void Acknowledgements_before_the_decision_of_another_decision_or_from_a_non_participant_are_ignored()
    {
        var s = Ended();
        Assert.False(s.Protocol.OnDecisionAck(Ack(s, "fraud", DecisionAckStatus.Applied)));
        s.Protocol.Decide(Decision.Commit, "completed");

        Assert.False(s.Protocol.OnDecisionAck(Ack(s, "fraud", DecisionAckStatus.Applied) with { Decision = Decision.Abort }));
        Assert.False(s.Protocol.OnDecisionAck(Ack(s, "inventory", DecisionAckStatus.Applied)));
        Assert.Empty(s.Protocol.Decision!.Acknowledgements);
        Assert.DoesNotContain(s.Protocol.Events, e => e.Kind == RequestEventKind.DecisionApplied);
    }

    /// <summary>fraud succeeded, loyalty failed, inventory declined: the request ended Partial.</summary>
    private static GrainScenario Ended()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty", "inventory");
        s.Interested("fraud");
        s.Interested("loyalty");
        s.Declines("inventory");
        s.Succeeds("fraud", new { risk = "low" });
        s.Fails("loyalty", "down");
        Assert.Equal(RequestStatus.Partial, s.Protocol.Status);
        s.Elapse(10);
        return s;
    }

    private static DecisionAck Ack(GrainScenario s, string worker, DecisionAckStatus status, string? detail = null) =>
        new(s.Task.RequestId, worker, GrainScenario.Instance, s.Protocol.Decision?.Decision ?? Decision.Commit, status, s.Now, detail);
}
