using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using TrustChain.Serialization;

namespace TrustChain.Tests.Testing;

public sealed class HarnessTests
{
    private sealed class Echo(string instance) : ITestWorker
    {
        public string Name => "probe";

        public IReadOnlyCollection<string> Topics => ["probe.run"];

        public ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context) => new(true);

        public Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context) => Task.FromResult<JsonElement?>(TrustChainJson.ToElement(instance));
    }

    [Fact]
    public async Task A_scripted_worker_on_two_silos_is_expected_twice_and_answers_once_per_request()
    {
        await using var cluster = new TrustChainTestCluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        await cluster.StartSiloAsync(new Echo("one"));
        await cluster.StartSiloAsync(new Echo("two"));
        await cluster.StartDemoSiloAsync();

        var outcome = await cluster.Client.DispatchAsync("probe.run", new { }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        var result = Assert.Single(outcome.Results);
        Assert.Equal("probe", result.Worker);
        var order = await cluster.Silos[2].Dispatcher.DispatchAsync("order.placed", new { amount = 0 }).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(RequestStatus.NoInterest, order.Status);
    }
}
