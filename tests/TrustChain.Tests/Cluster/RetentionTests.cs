using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Cluster;

/// <summary>How long an ended request is kept when the activation that would have timed its retention is gone.</summary>
public sealed class RetentionTests
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    [Fact]
    public async Task An_ended_request_whose_activation_went_away_is_forgotten_by_the_list_of_recent_requests_once_its_retention_has_passed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var calls = new RequestGrainCalls();
        await using var cluster = new TrustChainTestCluster(time, services: calls.AddTo);
        await cluster.StartSiloAsync(new ProbeWorker("probe", "probe.run")).Guarded();

        // Nobody works on it: it ends at once, and nothing calls its grain after (no participant acknowledges).
        var ended = await cluster.Client.DispatchAsync("nobody.listens", Empty).Guarded();
        Assert.Equal(RequestStatus.NoInterest, ended.Status);
        var grain = cluster.GrainClient.GetGrain<IRequestGrain>(ended.RequestId.Value);
        await cluster.Orleans.DeactivateAsync(grain).Guarded(); // its retention timer went with it, as with its silo

        time.Advance(new TrustChainOptions().Retention + TimeSpan.FromSeconds(1));
        Assert.Equal(RequestStatus.NoInterest, (await cluster.Client.DispatchAsync("nobody.listens", Empty).Guarded()).Status);

        // The next request's start has the list look at its oldest lines: the expired one is told to forget.
        await calls.Forgotten(ended.RequestId).Guarded();
        Assert.Null(await grain.GetAsync().Guarded());
    }

    [Fact]
    public async Task An_ended_request_whose_state_could_not_be_cleared_as_its_retention_ended_is_kept_and_forgotten_when_its_retry_comes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var storage = new SharedGrainStorage();
        await using var cluster = new TrustChainTestCluster(time, services: storage.AddTo);
        await cluster.StartSiloAsync(new ProbeWorker("probe", "probe.run")).Guarded();

        var ended = await cluster.Client.DispatchAsync("nobody.listens", Empty).Guarded();
        var grain = cluster.GrainClient.GetGrain<IRequestGrain>(ended.RequestId.Value);
        var refused = storage.ClearRefused("request", grain.GetGrainId());
        var cleared = storage.Cleared("request", grain.GetGrainId());
        storage.FailClears("request", 1);

        time.Advance(new TrustChainOptions().Retention + TimeSpan.FromSeconds(1)); // its retention timer fires
        await refused.Guarded();

        // Kept, by its activation as in storage: a call after the timer's turn still finds it ended, not unknown.
        Assert.Equal(RequestQueryAnswer.AlreadyEnded, await grain.CancelAsync().Guarded());
        Assert.True(storage.Holds("request", grain.GetGrainId()));

        time.Advance(RequestGrain.ForgetRetryDelay);
        await cleared.Guarded();
        Assert.Null(await grain.GetAsync().Guarded());
    }
}
