using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Telemetry;

// The worker grain classes the telemetry tests script (ProbeWorker), one per worker name, with every topic a test
// gives that name. Each test has topics of its own: metrics are process-wide and read by topic.
[TrustChainWorker("metered-one", TelemetryTests.WantedTopic)]
public sealed class MeteredOneGrain : ScriptedWorkerGrain;

[TrustChainWorker("metered-two", TelemetryTests.WantedTopic)]
public sealed class MeteredTwoGrain : ScriptedWorkerGrain;

[TrustChainWorker("metered-shy", TelemetryTests.WantedTopic, TelemetryTests.UnwantedTopic)]
public sealed class MeteredShyGrain : ScriptedWorkerGrain;

[TrustChainWorker("telemetry-prompt", TelemetryTests.LateTopic)]
public sealed class TelemetryPromptGrain : ScriptedWorkerGrain;

[TrustChainWorker("telemetry-late", TelemetryTests.LateTopic)]
public sealed class TelemetryLateGrain : ScriptedWorkerGrain;

[TrustChainWorker("observed-steady", RequestTelemetryTests.Topic)]
public sealed class ObservedSteadyGrain : ScriptedWorkerGrain;

[TrustChainWorker("observed-late", RequestTelemetryTests.Topic)]
public sealed class ObservedLateGrain : ScriptedWorkerGrain;

[TrustChainWorker("observed-doomed", RequestTelemetryTests.Topic)]
public sealed class ObservedDoomedGrain : ScriptedWorkerGrain;
