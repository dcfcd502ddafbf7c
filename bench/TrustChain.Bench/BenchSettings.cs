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

    /// <summary>
    /// Requests per run of the throughput scenarios (order, its baseline, API). At a few thousand a second, runs of
    /// 1,000 lasted a fraction of a second and swung by half from one run of the bench to the next.
    /// </summary>
    public int Requests { get; init; } = 5000;

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
    public int NestedRequests { get; init; } = 500;

    /// <summary>Requests in flight at once (at most <see cref="InFlightScenario.MaxInFlight"/>).</summary>
    public int InFlight { get; init; } = 10_000;

    public int InFlightRuns { get; init; } = 2;

    /// <summary>Callers of the first closed-loop step of the overload scenario; each next step doubles them.</summary>
    public int OverloadStartCallers { get; init; } = 8;

    /// <summary>
    /// Clients (API keys) the overload scenario's load comes from, each with its in-flight share: 10 of the default
    /// 100 fill the node's default 1000.
    /// </summary>
    public int OverloadClients { get; init; } = 10;

    /// <summary>API settings of the overload scenario's API besides its keys (e.g. <c>TrustChain:Api:MaxInFlight</c>); none: the defaults.</summary>
    public IReadOnlyDictionary<string, string?> OverloadApiSettings { get; init; } = new Dictionary<string, string?>();

    /// <summary>The open-loop rate of the overload scenario, as a multiple of the best closed-loop throughput.</summary>
    public double OverloadFactor { get; init; } = 4;

    /// <summary>How long the overload scenario offers that rate (its first quarter is left out of the figures as the ramp).</summary>
    public TimeSpan OverloadWindow { get; init; } = TimeSpan.FromSeconds(12);

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

    /// <summary>
    /// The Redis of the cluster rows (<c>host:port</c>, or a StackExchange.Redis connection string): its membership,
    /// grain state and reminders, and the writes they count (a private one: every write in it is counted as theirs).
    /// </summary>
    public string? Redis { get; init; }

    /// <summary>How long the cluster's fresh silo processes run every kind of request before the first cluster row.</summary>
    public TimeSpan ClusterWarmUpTime { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// <c>TrustChain:MaxRetainedRequests</c> of the cluster's silos, and how many request grains the cluster's warm-up
    /// starts at least: past it, every new request makes the index forget the oldest ended one (its state deleted),
    /// as a cluster under steady load does whatever the limit (at the latest when
    /// <c>TrustChain:Retention</c> ends), so every measured row counts a request's whole life in Redis. Lower than
    /// TrustChain's default (10,000) so that the warm-up gets there.
    /// </summary>
    public int ClusterMaxRetainedRequests { get; init; } = 1000;

    /// <summary>Requests per cluster scenario in the pass watched with MONITOR (who writes what to Redis).</summary>
    public int ClusterSampleRequests { get; init; } = 100;

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
        OverloadStartCallers = 2,
        OverloadWindow = TimeSpan.FromMilliseconds(300),
        IdleWindow = TimeSpan.FromMilliseconds(200),
        IdleRuns = 1,
        IdleSettle = TimeSpan.Zero,
        WarmUpTime = TimeSpan.Zero,
        ClusterWarmUpTime = TimeSpan.Zero,
        ClusterSampleRequests = 3,
        ClusterMaxRetainedRequests = 5,
        InterestWindow = TimeSpan.FromSeconds(30),
        SilosInProcess = true,
    };
}
