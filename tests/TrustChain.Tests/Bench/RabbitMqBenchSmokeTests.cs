using TrustChain.Bench;
using TrustChain.Tests.RabbitMQ;

namespace TrustChain.Tests.Bench;

/// <summary>
/// The bench's RabbitMQ scenarios with tiny counts, their silos hosted in this process. Like every RabbitMQ test they
/// fail, never skip, without a broker.
/// </summary>
public sealed class RabbitMqBenchSmokeTests : IClassFixture<RabbitMqBroker>
{
    private static readonly BenchSettings Settings = BenchSettings.Smoke(RabbitMqBroker.Uri);

    [Fact]
    public async Task The_raw_broker_rate_moves_every_message()
    {
        var row = await RawBrokerScenario.RunAsync(Settings);

        BenchSmokeTests.AssertAllSucceeded(row);
        Assert.All(row.Runs, r => Assert.True(r.Extra["bytes/msg"] > 0));
    }

    [Fact]
    public async Task The_order_nobody_interested_and_nested_scenarios_complete_on_RabbitMQ()
    {
        await using var cluster = await RabbitMqCluster.StartAsync(Settings);

        BenchSmokeTests.AssertAllSucceeded(await OrderScenarios.RabbitMqAsync(Settings, cluster));
        BenchSmokeTests.AssertAllSucceeded(await LatencyScenarios.NoInterestAsync(Settings, cluster.Dispatcher.Dispatcher, "RabbitMQ"));
        Assert.All(await LatencyScenarios.NestedAsync(Settings, cluster.Dispatcher.Dispatcher, "RabbitMQ"), BenchSmokeTests.AssertAllSucceeded);
    }
}
