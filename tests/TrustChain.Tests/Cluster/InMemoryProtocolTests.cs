using TrustChain.Testing;

namespace TrustChain.Tests.Cluster;

/// <summary>The protocol suite on the embedded in-memory engine (the test cluster's default).</summary>
public sealed class InMemoryProtocolTests : ProtocolTests
{
    protected override TrustChainTestCluster CreateCluster(TimeProvider? time = null, Action<TrustChainOptions>? configure = null) =>
        new(time, configure);
}
