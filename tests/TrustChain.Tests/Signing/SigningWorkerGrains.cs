using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Signing;

// The worker grain classes the signing tests script (HoldingWorker), one per worker name, with every topic a test
// gives that name.
[TrustChainWorker("alpha", SignedCluster.Topic, SignedCluster.AuditTopic)]
public sealed class AlphaGrain : ScriptedWorkerGrain;

[TrustChainWorker("beta", SignedCluster.Topic)]
public sealed class BetaGrain : ScriptedWorkerGrain;

[TrustChainWorker("bystander", SignedCluster.Topic)]
public sealed class BystanderGrain : ScriptedWorkerGrain;

[TrustChainWorker("outer", SignedCluster.Topic)]
public sealed class OuterGrain : ScriptedWorkerGrain;

[TrustChainWorker("inner", SignedCluster.InnerTopic)]
public sealed class InnerGrain : ScriptedWorkerGrain;
