using TrustChain.Testing;

namespace TrustChain.Tests.Telemetry;

/// <summary>The telemetry suite on the embedded in-memory engine.</summary>
public sealed class InMemoryTelemetryTests : TelemetryTests
{
    protected override TrustChainTestCluster CreateCluster(Action<TrustChainOptions> configure, TimeProvider? time) => new(time, configure);
}
