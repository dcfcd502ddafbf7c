using Microsoft.Extensions.Time.Testing;
using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Signing;

namespace TrustChain.Tests.Grains;

/// <summary>
/// What counts under each policy is the protocol's decision: the host only reports what it found wrong with a
/// signature. Under Signed such a reply is listed and never counted; under None it counts.
/// </summary>
public sealed class RequestProtocolSigningTests
{
    private readonly FakeTimeProvider _clock = new(GrainScenario.Epoch);

    [Theory]
    [InlineData(RejectionReason.InvalidSignature)]
    [InlineData(RejectionReason.Unsigned)]
    [InlineData(RejectionReason.UnknownSigner)]
    public void Under_Signed_a_reply_whose_signature_failed_is_listed_and_never_counted(RejectionReason problem)
    {
        var protocol = Protocol(SigningPolicy.Signed, "alpha");

        var verdict = protocol.OnVerdict(Verdict(protocol, "alpha"), problem);
        Assert.Equal((false, problem), (verdict.Accepted, verdict.Reason));
        Assert.False(protocol.IsInterestClosed); // a refused verdict does not answer for the worker

        Assert.True(protocol.OnVerdict(Verdict(protocol, "alpha")).Accepted);
        Assert.Equal(problem, protocol.OnResult(Result(protocol, "alpha", 666), problem));
        Assert.False(protocol.IsCompleted); // nor does a refused result fill the worker's place...
        Assert.Null(protocol.OnResult(Result(protocol, "alpha", 7))); // ...or take it from the honest one

        var outcome = Assert.IsType<RequestOutcome>(protocol.Outcome);
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal(7, outcome.ResultOf("alpha")!.Payload!.Value.GetProperty("n").GetInt32());
        Assert.Equal([("alpha", "verdict", problem), ("alpha", "result", problem)], outcome.Rejected.Select(r => (r.Worker, r.Kind, r.Reason)));
    }

    [Fact]
    public void Under_None_signatures_are_not_the_protocols_concern()
    {
        var protocol = Protocol(SigningPolicy.None, "alpha");

        Assert.True(protocol.OnVerdict(Verdict(protocol, "alpha"), RejectionReason.Unsigned).Accepted);
        Assert.Null(protocol.OnResult(Result(protocol, "alpha", 1), RejectionReason.Unsigned));

        Assert.Equal(RequestStatus.Completed, protocol.Status);
        Assert.Empty(protocol.Outcome!.Rejected);
    }

    [Fact]
    public void The_outcome_carries_the_signatures_of_the_accepted_verdict_and_result()
    {
        var protocol = Protocol(SigningPolicy.Signed, "alpha");
        var verdictSignature = new ReplySignature("alpha", ReplyAlgorithms.Ed25519, "dmVyZGljdA==", "k1");
        var resultSignature = new ReplySignature("alpha", ReplyAlgorithms.Ed25519, "cmVzdWx0", "k1");

        protocol.OnVerdict(Verdict(protocol, "alpha") with { Signature = verdictSignature });
        protocol.OnResult(Result(protocol, "alpha", 1) with { Signature = resultSignature });

        Assert.Equal(verdictSignature, Assert.Single(protocol.Outcome!.Verdicts).Signature);
        Assert.Equal(resultSignature, protocol.Outcome.ResultOf("alpha")!.Signature);
    }

    private RequestProtocol Protocol(SigningPolicy policy, params string[] expected) =>
        new(GrainScenario.NewTask(_clock.GetUtcNow(), GrainScenario.DefaultTimeout, GrainScenario.DefaultLease), expected, GrainScenario.DefaultWindow, _clock, signing: policy);

    private VerdictMessage Verdict(RequestProtocol protocol, string worker) =>
        new(protocol.Id, GrainScenario.Topic, worker, GrainScenario.Instance, true, _clock.GetUtcNow());

    private ResultMessage Result(RequestProtocol protocol, string worker, int n) =>
        new(protocol.Id, GrainScenario.Topic, worker, GrainScenario.Instance, true, GrainScenario.Json(new { n }), null, [], _clock.GetUtcNow(), _clock.GetUtcNow());
}
