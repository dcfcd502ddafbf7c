using TrustChain.Testing;
using TrustChain.Tests.Telemetry;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>The telemetry suite on the RabbitMQ engine: the trace context crosses the broker inside each task.</summary>
public sealed class RabbitMqTelemetryTests : TelemetryTests, IClassFixture<RabbitMqBroker>
{
    protected override TrustChainTestCluster CreateCluster(Action<TrustChainOptions> configure, TimeProvider? time) =>
        new(time, configure, engine: new RabbitMqTestEngine().Apply);
}
