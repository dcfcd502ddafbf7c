using TrustChain.Grains;
using TrustChain.Serialization;

namespace TrustChain.Tests.Grains;

/// <summary>The fold given to the protocol (the topic's aggregator) is applied once, as the request ends, everywhere the outcome shows.</summary>
public sealed class RequestProtocolJoinTests
{
    [Fact]
    public void The_joined_value_is_in_the_outcome_its_snapshot_and_the_Completed_event_of_the_journal()
    {
        var s = GrainScenario.Expecting("fraud");
        var folds = 0;
        var protocol = new RequestProtocol(s.Task, s.ExpectedWorkers, s.Window, s.Clock, outcome =>
        {
            folds++;
            return outcome with { Combined = TrustChainJson.ToElement(new { results = outcome.Results.Count }) };
        });

        protocol.OnVerdict(s.Verdict("fraud", interested: true));
        Assert.Null(protocol.Snapshot().Combined); // nothing is folded while the request runs
        protocol.OnResult(s.Success("fraud", new { risk = "low" }));

        Assert.Equal(1, folds);
        Assert.Equal(1, protocol.Outcome!.Combined!.Value.GetProperty("results").GetInt32());
        Assert.Equal(1, protocol.Snapshot().Combined!.Value.GetProperty("results").GetInt32());
        var completed = Assert.Single(protocol.Events, e => e.Kind == RequestEventKind.Completed);
        Assert.Equal(1, completed.Outcome!.Combined!.Value.GetProperty("results").GetInt32());
    }
}
