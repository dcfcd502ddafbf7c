using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Cluster;

// The worker grain classes the protocol and compensation suites script, one per worker name, with every topic a
// test of this folder gives that name (Orleans needs grain classes at compile time). A silo hosts only those its
// scripts name (TrustChain:Workers); a test that needs a new name adds a line here.

[TrustChainWorker("fast", "race.run")]
public sealed class FastWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("slow", "race.run")]
public sealed class SlowWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("prompt", "late.run")]
public sealed class PromptWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("late", "late.run")]
public sealed class LateWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("steady", "crash.run")]
public sealed class SteadyWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("doomed", "crash.run")]
public sealed class DoomedWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("mover", "move.run", "stop.run")]
public sealed class MoverWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("fine", "fail.run")]
public sealed class FineWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("broken", "fail.run")]
public sealed class BrokenWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("quick", "deadline.run", "cancel.run")]
public sealed class QuickWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("stuck", "deadline.run", "cancel.run")]
public sealed class StuckWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("level-1", "nest.a")]
public sealed class Level1WorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("level-2", "nest.b")]
public sealed class Level2WorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("level-3", "nest.c")]
public sealed class Level3WorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("subset-a", "subset.run")]
public sealed class SubsetAWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("subset-b", "subset.run")]
public sealed class SubsetBWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("subset-c", "subset.run")]
public sealed class SubsetCWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("fresh-keeper", "fresh.run")]
public sealed class FreshKeeperWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("keeper", "twice.run")]
public sealed class KeeperWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("orphan-keeper", "orphan.run")]
public sealed class OrphanKeeperWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("keeper-a", "keep.run")]
public sealed class KeeperAWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("keeper-b", "keep.run")]
public sealed class KeeperBWorkerGrain : ScriptedWorkerGrain;

[TrustChainWorker("sleeper", "resume.run")]
public sealed class SleeperWorkerGrain : ScriptedWorkerGrain;
