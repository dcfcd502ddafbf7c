using TrustChain.Testing;

namespace TrustChain.Tests.Cluster;

/// <summary>The compensation suite on the embedded in-memory engine.</summary>
public sealed class InMemoryCompensationTests : CompensationTests
{
    protected override TrustChainTestCluster CreateCluster(TimeProvider? time = null, Action<TrustChainOptions>? configure = null) =>
        new(time, configure);
}
