using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Signing;
using TrustChain.Testing;

namespace TrustChain.Tests.Grains;

/// <summary>
/// What counts under each policy is the grain's decision: the host only reports what it found wrong with a
/// signature. Under Signed such a reply is listed and never counted; under None it counts.
/// </summary>
public sealed class RequestGrainSigningTests
{
    private readonly ManualTimeProvider _clock = new(GrainScenario.Epoch);

    [Theory]
    [InlineData(RejectionReason.InvalidSignature)]
    [InlineData(RejectionReason.Unsigned)]
    [InlineData(RejectionReason.UnknownSigner)]
    public void Under_Signed_a_reply_whose_signature_failed_is_listed_and_never_counted(RejectionReason problem)
    {
        var grain = Grain(SigningPolicy.Signed, "alpha");

        var verdict = grain.OnVerdict(Verdict(grain, "alpha"), problem);
        Assert.Equal((false, problem), (verdict.Accepted, verdict.Reason));
        Assert.False(grain.IsInterestClosed); // a refused verdict does not answer for the worker

        Assert.True(grain.OnVerdict(Verdict(grain, "alpha")).Accepted);
        Assert.Equal(problem, grain.OnResult(Result(grain, "alpha", 666), problem));
        Assert.False(grain.IsCompleted); // nor does a refused result fill the worker's place...
        Assert.Null(grain.OnResult(Result(grain, "alpha", 7))); // ...or take it from the honest one

        var outcome = Assert.IsType<RequestOutcome>(grain.Outcome);
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal(7, outcome.ResultOf("alpha")!.Payload!.Value.GetProperty("n").GetInt32());
        Assert.Equal([("alpha", "verdict", problem), ("alpha", "result", problem)], outcome.Rejected.Select(r => (r.Worker, r.Kind, r.Reason)));
    }

    [Fact]
    public void Under_None_signatures_are_not_the_grains_concern()
    {
        var grain = Grain(SigningPolicy.None, "alpha");

        Assert.True(grain.OnVerdict(Verdict(grain, "alpha"), RejectionReason.Unsigned).Accepted);
        Assert.Null(grain.OnResult(Result(grain, "alpha", 1), RejectionReason.Unsigned));

        Assert.Equal(RequestStatus.Completed, grain.Status);
        Assert.Empty(grain.Outcome!.Rejected);
    }

    [Fact]
    public void The_outcome_carries_the_signatures_of_the_accepted_verdict_and_result()
    {
        var grain = Grain(SigningPolicy.Signed, "alpha");
        var verdictSignature = new ReplySignature("alpha", ReplyCanonicalForm.Algorithm, "dmVyZGljdA==", "k1");
        var resultSignature = new ReplySignature("alpha", ReplyCanonicalForm.Algorithm, "cmVzdWx0", "k1");

        grain.OnVerdict(Verdict(grain, "alpha") with { Signature = verdictSignature });
        grain.OnResult(Result(grain, "alpha", 1) with { Signature = resultSignature });

        Assert.Equal(verdictSignature, Assert.Single(grain.Outcome!.Verdicts).Signature);
        Assert.Equal(resultSignature, grain.Outcome.ResultOf("alpha")!.Signature);
    }

    private RequestGrain Grain(SigningPolicy policy, params string[] expected) =>
        new(GrainScenario.NewTask(_clock.GetUtcNow(), GrainScenario.DefaultTimeout, GrainScenario.DefaultLease), expected, GrainScenario.DefaultWindow, _clock, signing: policy);

    private VerdictMessage Verdict(RequestGrain grain, string worker) =>
        new(grain.Id, GrainScenario.Topic, worker, GrainScenario.Instance, true, _clock.GetUtcNow());

    private ResultMessage Result(RequestGrain grain, string worker, int n) =>
        new(grain.Id, GrainScenario.Topic, worker, GrainScenario.Instance, true, GrainScenario.Json(new { n }), null, [], _clock.GetUtcNow(), _clock.GetUtcNow());
}
