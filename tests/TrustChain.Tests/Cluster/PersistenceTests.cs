using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using TrustChain.Serialization;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Cluster;

/// <summary>What a request's grain persists comes back whole on its next activation, on the storage AddTrustChain adds.</summary>
public sealed class PersistenceTests
{
    [Fact]
    public async Task A_request_read_after_its_grain_was_deactivated_still_has_its_result_payloads_from_the_default_storage()
    {
        await using var cluster = new TrustChainTestCluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        await cluster.StartSiloAsync(new ProbeWorker("probe", "probe.run") { Instance = "first" }).Guarded();
        await cluster.StartSiloAsync(new ProbeWorker("probe", "probe.run") { Instance = "second" }).Guarded();
        var outcome = await cluster.Client.DispatchAsync("probe.run", JsonDocument.Parse("""{"order":"o-1","amount":12.5}""").RootElement).Guarded();
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        var before = TrustChainJson.FromElement<ProbeResult>(Assert.Single(outcome.Results).Payload!.Value);

        var grain = cluster.GrainClient.GetGrain<IRequestGrain>(outcome.RequestId.Value);
        await cluster.Orleans.DeactivateAsync(grain).Guarded();
        var state = await grain.GetAsync().Guarded();

        // Orleans' default storage serializer (Newtonsoft.Json) would hand back an undefined JsonElement here.
        Assert.NotNull(state);
        var payload = Assert.Single(state.Snapshot.Results).Payload;
        Assert.NotNull(payload);
        Assert.Equal(before, TrustChainJson.FromElement<ProbeResult>(payload.Value));
        Assert.Equal(outcome.Results.Single().Payload!.Value.GetRawText(), payload.Value.GetRawText());
    }

    [Fact]
    public async Task A_nested_dispatch_is_in_the_parents_stored_journal_before_the_dispatching_workers_result()
    {
        await using var cluster = new TrustChainTestCluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var relay = new RelayWorker("level-1", "nest.a", "nest.b");
        await cluster.StartSiloAsync(relay, new ProbeWorker("level-2", "nest.b")).Guarded();
        var outcome = await cluster.Client.DispatchAsync("nest.a", JsonDocument.Parse("{}").RootElement).Guarded();
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        var child = Assert.Single(Assert.Single(outcome.Results).Children);

        // The entry has no write of its own: read back from storage, it came with a later write of the parent's.
        var grain = cluster.GrainClient.GetGrain<IRequestGrain>(outcome.RequestId.Value);
        await cluster.Orleans.DeactivateAsync(grain).Guarded();
        var state = await grain.GetAsync().Guarded();

        Assert.NotNull(state);
        var kinds = state.Events.Select(e => e.Kind).ToList();
        var dispatched = Assert.Single(state.Events, e => e.Kind == RequestEventKind.ChildDispatched);
        Assert.Equal(("level-1", child.RequestId, "nest.b"), (dispatched.Worker, dispatched.ChildRequestId, dispatched.ChildTopic));
        Assert.True(kinds.IndexOf(RequestEventKind.ChildDispatched) < kinds.IndexOf(RequestEventKind.Result), string.Join(", ", kinds));
    }
}
