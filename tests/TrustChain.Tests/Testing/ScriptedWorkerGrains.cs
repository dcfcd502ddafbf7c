namespace TrustChain.Tests.Testing;

// The worker grain classes the tests script, one per worker name, with every topic a test gives that name. A test
// that needs a new name adds a line here.
[TrustChainWorker("probe", "probe.run")]
public sealed class ProbeGrain : ScriptedWorkerGrain;
