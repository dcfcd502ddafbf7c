using TrustChain.Messages;

namespace TrustChain.Tests.Grains;

/// <summary>DESIGN.md, step 3: silence is not consent, and a worker that cannot read the task says so.</summary>
public sealed class SilenceIsNotConsentTests
{
    [Fact]
    public void An_expected_worker_silent_at_the_window_makes_a_request_nobody_else_wanted_partial_not_no_interest()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        Assert.True(s.Declines("loyalty").Accepted);

        s.ElapseUntil(s.WindowEnd);

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(["fraud"], outcome.Silent);
    }

    [Fact]
    public void Every_expected_worker_declining_still_ends_no_interest_with_nobody_silent()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        s.Declines("loyalty");
        s.Declines("fraud");

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.NoInterest, outcome.Status);
        Assert.Null(outcome.Silent);
    }

    [Fact]
    public void A_verdict_that_says_the_worker_could_not_read_the_task_is_recorded_with_its_problem_and_makes_the_request_partial()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        s.Declines("loyalty");

        var reply = s.Protocol.OnVerdict(s.Verdict("fraud", interested: false) with { Problem = "the payload does not fit OrderPlaced at $.amount" });

        Assert.True(reply.Accepted);
        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Partial, outcome.Status);
        var fraud = Assert.Single(outcome.Verdicts, v => v.Worker == "fraud");
        Assert.False(fraud.Interested);
        Assert.Equal("the payload does not fit OrderPlaced at $.amount", fraud.Problem);
        Assert.Contains(s.Protocol.Events, e => e is { Kind: RequestEventKind.Verdict, Worker: "fraud", Detail: "the payload does not fit OrderPlaced at $.amount" });
    }

    [Fact]
    public void A_worker_claiming_interest_while_reporting_a_problem_is_not_counted_as_interested()
    {
        var s = GrainScenario.Expecting("fraud");

        s.Protocol.OnVerdict(s.Verdict("fraud", interested: true) with { Problem = "could not decide" });

        var outcome = Assert.IsType<RequestOutcome>(s.Protocol.Outcome);
        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Empty(outcome.Results);
    }
}
