using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Serialization;

namespace TrustChain.Tests.Grains;

/// <summary>
/// The persistence path of the <c>RequestGrain</c>: <see cref="RequestProtocol.Export"/> after every transition,
/// <see cref="RequestProtocol.Restore"/> on the next activation. A restored request must be the same request.
/// </summary>
public sealed class RequestRecordTests
{
    [Fact]
    public void Export_then_Restore_gives_back_the_same_snapshot_and_journal_and_the_request_goes_on_identically()
    {
        var s = Running();
        var original = s.Protocol;

        var restored = RequestProtocol.Restore(original.Export(), s.Clock);

        AssertSame(original, restored);
        Assert.Equal(RequestStatus.Running, restored.Status);

        // The same inputs from here on take both to the same end.
        s.Elapse(100);
        foreach (var protocol in new[] { original, restored })
        {
            Assert.True(protocol.OnVerdict(s.Verdict("loyalty", interested: false)).Accepted);
            Assert.True(protocol.OnLeaseRenewal(s.Renewal("inventory")));
            Assert.Null(protocol.OnResult(s.Success("fraud", new { risk = "low" })));
            Assert.Equal(RejectionReason.DuplicateResult, protocol.OnResult(s.Success("fraud", new { risk = "high" })));
            Assert.False(protocol.IsCompleted);
            Assert.Null(protocol.OnResult(s.Success("inventory", new { reserved = 2 })));
        }

        Assert.Equal(RequestStatus.Completed, restored.Status);
        AssertSame(original, restored);
    }

    [Fact]
    public void A_worker_that_kept_renewing_after_the_last_write_is_not_counted_lost_when_its_request_is_restored()
    {
        // Renewals are not persisted, so the record restored on another silo may carry a lease many leases old.
        var s = GrainScenario.Create(["fraud"], lease: TimeSpan.FromSeconds(2));
        s.Interested("fraud");
        var record = s.Protocol.Export();
        for (var i = 0; i < 16; i++)
        {
            s.Elapse(600);
            Assert.True(s.Renews("fraud"));
        }

        var restored = RequestProtocol.Restore(record, s.Clock);
        restored.OnTimer();

        Assert.True(restored.OnLeaseRenewal(s.Renewal("fraud")));
        Assert.Equal(WorkerResultStatus.Pending, restored.Snapshot().ResultOf("fraud")!.Status);
        Assert.Empty(restored.TakeRedeliveries());
    }

    [Fact]
    public void A_restored_request_remembers_a_redelivery_so_its_next_lapse_counts_the_worker_lost()
    {
        var s = GrainScenario.Create(["fraud"], lease: TimeSpan.FromSeconds(2));
        s.Interested("fraud");
        s.ElapseUntil(s.At(2000));
        Assert.Equal(["fraud"], s.Protocol.TakeRedeliveries());

        var restored = RequestProtocol.Restore(s.Protocol.Export(), s.Clock);
        Assert.Equal(s.At(4000), restored.NextDueAt);
        s.AdvanceClockOnlyUntil(s.At(4000));
        restored.OnTimer();

        // A new activation must not give the worker a second redelivery: its one was spent before the restore.
        Assert.Empty(restored.TakeRedeliveries());
        Assert.Equal(WorkerResultStatus.Lost, restored.Snapshot().ResultOf("fraud")!.Status);
        Assert.Equal(RequestStatus.Partial, restored.Status);
    }

    [Fact]
    public void A_restored_request_keeps_its_decision_and_acknowledgements_and_takes_the_rest()
    {
        var s = Running();
        s.Protocol.OnVerdict(s.Verdict("loyalty", interested: false));
        s.Protocol.OnResult(s.Success("fraud", 1));
        s.Protocol.OnResult(s.Failure("inventory", "out of stock"));
        Assert.True(s.Protocol.Decide(Decision.Abort, "the request ended Partial"));
        Assert.True(s.Protocol.OnDecisionAck(Ack(s, "fraud")));

        var restored = RequestProtocol.Restore(s.Protocol.Export(), s.Clock);

        AssertSame(s.Protocol, restored);
        Assert.False(restored.Decide(Decision.Commit, "decided once only"));
        Assert.Equal(["inventory"], restored.Decision!.Unacknowledged);
        Assert.True(restored.OnDecisionAck(Ack(s, "inventory")));
        Assert.True(restored.IsSettled);
    }

    [Fact]
    public void A_restored_request_folds_its_outcome_with_the_join_it_is_given_on_the_new_activation()
    {
        var s = Running();

        // A fold is code, not state: the new activation supplies its own, and the request ends with it.
        var restored = RequestProtocol.Restore(
            s.Protocol.Export(),
            s.Clock,
            outcome => outcome with { Combined = TrustChainJson.ToElement(new { results = outcome.Results.Count }) });
        restored.OnVerdict(s.Verdict("loyalty", interested: false));
        restored.OnResult(s.Success("fraud", 1));
        restored.OnResult(s.Success("inventory", 2));

        Assert.Equal(RequestStatus.Completed, restored.Status);
        Assert.Equal(2, restored.Outcome!.Combined!.Value.GetProperty("results").GetInt32());
    }

    [Fact]
    public void A_record_round_trips_through_Orleans_serialization_and_restores_the_same_request()
    {
        var s = Running();
        s.Protocol.OnVerdict(s.Verdict("loyalty", interested: false));
        s.Protocol.OnResult(s.Success("fraud", new { risk = "low" }));
        s.Protocol.OnResult(s.Failure("inventory", "out of stock"));
        s.Protocol.Decide(Decision.Abort, "partial");
        var record = s.Protocol.Export();

        // Orleans' serializer with the codecs it finds, TrustChain's JsonElementCodec among them, as a silo has it.
        using var services = new ServiceCollection()
            .AddSerializer()
            .BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer<RequestRecord>>();

        var copy = Assert.IsType<RequestRecord>(serializer.Deserialize(serializer.SerializeToArray(record)));

        Assert.NotSame(record, copy);
        Assert.Equal(Json(record), Json(copy));
        var restored = RequestProtocol.Restore(copy, s.Clock);
        AssertSame(s.Protocol, restored);
        Assert.True(restored.OnDecisionAck(Ack(s, "fraud")));
    }

    /// <summary>fraud and inventory interested (both just renewed, fraud dispatched a nested request), loyalty still
    /// to answer, one refused result: a running request with something in every part of its record.</summary>
    private static GrainScenario Running()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty", "inventory");
        s.Interested("fraud");
        s.Elapse(50);
        s.Interested("inventory", instance: "node-2");
        Assert.Equal(RejectionReason.NotInterested, s.Succeeds("intruder", "forged"));
        Assert.True(s.Protocol.OnChildDispatched(new ChildDispatched(s.Task.RequestId, "fraud", RequestId.New("node-3"), "risk.score", s.Now)));
        s.Elapse(50);
        Assert.True(s.Renews("inventory", instance: "node-2"));
        Assert.True(s.Renews("fraud"));
        return s;
    }

    private static DecisionAck Ack(GrainScenario s, string worker) =>
        new(s.Task.RequestId, worker, GrainScenario.Instance, Decision.Abort, DecisionAckStatus.Applied, s.Now);

    /// <summary>Everything a reader or a later input can see of the two requests is the same, and so is what they would persist.</summary>
    private static void AssertSame(RequestProtocol expected, RequestProtocol actual)
    {
        Assert.Equal(Json(expected.Snapshot()), Json(actual.Snapshot()));
        Assert.Equal(Json(expected.Events), Json(actual.Events));
        Assert.Equal(expected.LastSequence, actual.LastSequence);
        Assert.Equal(Json(expected.Outcome), Json(actual.Outcome));
        Assert.Equal(Json(expected.Decision), Json(actual.Decision));
        Assert.Equal((expected.NextDueAt, expected.InterestWindowEndsAt, expected.InterestClosedAt), (actual.NextDueAt, actual.InterestWindowEndsAt, actual.InterestClosedAt));
        Assert.Equal((expected.Id, expected.Signing, expected.IsSettled), (actual.Id, actual.Signing, actual.IsSettled));
        Assert.Equal(expected.Expected.Order(StringComparer.Ordinal), actual.Expected.Order(StringComparer.Ordinal));
        Assert.Equal(expected.WorkersStillWorking(), actual.WorkersStillWorking());
        Assert.Equal(Json(expected.Export()), Json(actual.Export())); // down to every lease
    }

    // Records hold lists, which compare by reference: compare what they say instead.
    private static string Json<T>(T value) => JsonSerializer.Serialize(value, TrustChainJson.Options);
}
