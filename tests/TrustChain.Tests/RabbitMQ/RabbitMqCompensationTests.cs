using TrustChain.Tests.Cluster;
using TrustChain.Testing;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>The compensation suite, unchanged, on the RabbitMQ engine and the test broker.</summary>
public sealed class RabbitMqCompensationTests : CompensationTests, IClassFixture<RabbitMqBroker>
{
    protected override TrustChainTestCluster CreateCluster(TimeProvider? time = null, Action<TrustChainOptions>? configure = null) =>
        new(time, configure, engine: new RabbitMqTestEngine().Apply);
}
