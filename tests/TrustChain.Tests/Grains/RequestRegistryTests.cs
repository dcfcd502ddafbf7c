using Microsoft.Extensions.Options;
using TrustChain.Grains;
using TrustChain.Runtime;
using TrustChain.Testing;

namespace TrustChain.Tests.Grains;

/// <summary>Ended requests stay readable for the retention period and memory stays bounded by the cap.</summary>
public class RequestRegistryTests
{
    private readonly ManualTimeProvider _clock = new(GrainScenario.Epoch);

    private RequestRegistry Registry(TimeSpan retention, int max) =>
        new(Options.Create(new TrustChainOptions { Retention = retention, MaxRetainedRequests = max }), _clock);

    private RequestActivation Start(RequestRegistry registry)
    {
        var task = GrainScenario.NewTask(_clock.GetUtcNow(), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));
        var activation = new RequestActivation(new RequestGrain(task, ["fraud"], TimeSpan.FromSeconds(1), _clock), _clock);
        registry.Add(activation);
        return activation;
    }

    [Fact]
    public void An_ended_request_is_forgotten_when_its_retention_ends_even_if_no_request_arrives_after_it()
    {
        using var registry = Registry(TimeSpan.FromSeconds(5), max: 100);
        var ended = Start(registry);
        ended.Cancel();
        registry.Complete(ended);

        _clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.True(registry.TryGet(ended.RequestId, out _));

        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(registry.TryGet(ended.RequestId, out _));
        Assert.Equal(0, registry.RetainedCount);
    }

    [Fact]
    public void An_ended_request_is_readable_until_its_retention_ends_then_forgotten()
    {
        var registry = Registry(TimeSpan.FromMinutes(5), max: 100);
        var ended = Start(registry);
        ended.Cancel();
        registry.Complete(ended);

        Assert.Equal((0, 1), (registry.Count, registry.RetainedCount));
        _clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Start(registry);
        Assert.True(registry.TryGet(ended.RequestId, out _));

        _clock.Advance(TimeSpan.FromTicks(1));
        var third = Start(registry);
        Assert.False(registry.TryGet(ended.RequestId, out _));
        Assert.True(registry.TryGet(third.RequestId, out _));
        Assert.Equal((2, 0), (registry.Count, registry.RetainedCount));
    }

    [Fact]
    public void Past_the_cap_the_oldest_ended_requests_go_first_and_running_ones_are_never_dropped()
    {
        var registry = Registry(TimeSpan.FromHours(1), max: 2);
        var running = Start(registry);
        var ended = Enumerable.Range(0, 3).Select(_ => Start(registry)).ToList();
        foreach (var activation in ended)
        {
            activation.Cancel();
            registry.Complete(activation);
        }

        Assert.False(registry.TryGet(ended[0].RequestId, out _));
        Assert.True(registry.TryGet(ended[1].RequestId, out _));
        Assert.True(registry.TryGet(ended[2].RequestId, out _));
        Assert.True(registry.TryGet(running.RequestId, out _));
        Assert.Equal([running], registry.All);
        Assert.Equal(4 - 1, registry.Recent(10).Count);
    }
}
