namespace TrustChain.Bench;

/// <summary>How much load each scenario gets. <see cref="Smoke"/> is the tests' tiny run.</summary>
internal sealed record BenchSettings
{
    /// <summary>Measured runs per scenario; each figure is their median, with min–max.</summary>
    public int Runs { get; init; } = 5;

    /// <summary>Measured runs of the throughput scenarios (order, its baseline, API), the slowest to run.</summary>
    public int ThroughputRuns { get; init; } = 3;

    /// <summary>Measured runs of the NoInterest latency on a delivery that polls slower than every 10 ms.</summary>
    public int PolledRuns { get; init; } = 3;

    /// <summary>Requests per run of the throughput scenarios (order, its baseline, API).</summary>
    public int Requests { get; init; } = 1000;

    /// <summary>Callers issuing requests back to back in the throughput scenarios.</summary>
    public int Concurrency { get; init; } = 32;

    /// <summary>Requests per run of the NoInterest latency (and its baseline), one at a time.</summary>
    public int LatencyRequests { get; init; } = 1000;

    /// <summary>
    /// Requests per run of the NoInterest latency on a delivery that polls slower than every 10 ms (memory streams at
    /// their default poll): each waits for the poll, so fewer of them.
    /// </summary>
    public int PolledLatencyRequests { get; init; } = 100;

    /// <summary>Requests per run of each nested depth, one at a time.</summary>
    public int NestedRequests { get; init; } = 100;

    /// <summary>Requests in flight at once (at most <see cref="InFlightScenario.MaxInFlight"/>).</summary>
    public int InFlight { get; init; } = 10_000;

    public int InFlightRuns { get; init; } = 2;

    /// <summary>Real-time windows of one idle-CPU figure, each its own run.</summary>
    public TimeSpan IdleWindow { get; init; } = TimeSpan.FromSeconds(5);

    public int IdleRuns { get; init; } = 4;

    /// <summary>How long an idle silo is left alone after its last request before the first window.</summary>
    public TimeSpan IdleSettle { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The idle silos as hosts in this process rather than processes of their own (the smoke tests).</summary>
    public bool SilosInProcess { get; init; }

    /// <summary>
    /// <c>TrustChain:InterestWindow</c> of every bench silo; null keeps TrustChain's default (1 s). The smoke tests
    /// widen it: a window only ends a request early when a worker is slower than it, and on a loaded test machine a
    /// verdict may be, which would make the test depend on timing. Interest still closes as soon as every expected
    /// worker has answered.
    /// </summary>
    public TimeSpan? InterestWindow { get; init; }

    /// <summary>How long the bench warms up on a silo of its own before the first scenario.</summary>
    public TimeSpan WarmUpTime { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Scenario names to run; all when empty.</summary>
    public IReadOnlyCollection<string> Only { get; init; } = [];

    public static int WarmUp(int requests) => Math.Max(1, requests / 5);

    public bool Includes(string scenario) => Only.Count == 0 || Only.Contains(scenario, StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="delivery"/> polls slower than every 10 ms, so that each answer waits for the poll.</summary>
    public static bool IsPolledSlowly(BenchDelivery delivery) => delivery.StreamPoll > TimeSpan.FromMilliseconds(10);

    public static BenchSettings Smoke() => new()
    {
        Runs = 1,
        ThroughputRuns = 1,
        PolledRuns = 1,
        Requests = 10,
        Concurrency = 4,
        LatencyRequests = 3,
        PolledLatencyRequests = 2,
        NestedRequests = 2,
        InFlight = 50,
        InFlightRuns = 1,
        IdleWindow = TimeSpan.FromMilliseconds(200),
        IdleRuns = 1,
        IdleSettle = TimeSpan.Zero,
        WarmUpTime = TimeSpan.Zero,
        InterestWindow = TimeSpan.FromSeconds(30),
        SilosInProcess = true,
    };
}
