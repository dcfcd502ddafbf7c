namespace TrustChain.Bench;

/// <summary>How much load each scenario gets. <see cref="Smoke"/> is the tests' tiny run.</summary>
internal sealed record BenchSettings
{
    /// <summary>Measured runs per scenario; each figure is their median, with min–max.</summary>
    public int Runs { get; init; } = 5;

    /// <summary>Requests per run of the throughput scenarios (embedded, baseline, API).</summary>
    public int Requests { get; init; } = 2000;

    /// <summary>Callers issuing requests back to back in the throughput scenarios.</summary>
    public int Concurrency { get; init; } = 32;

    public int RabbitMqRequests { get; init; } = 1000;

    /// <summary>Requests per run of the latency scenarios (NoInterest, nested), one at a time.</summary>
    public int LatencyRequests { get; init; } = 200;

    public int InFlight { get; init; } = 100_000;

    public int InFlightRuns { get; init; } = 3;

    /// <summary>Messages per run of the raw broker rate.</summary>
    public int RawMessages { get; init; } = 10_000;

    /// <summary>The broker; without it the RabbitMQ rows are left out (and said so).</summary>
    public string? RabbitMqUri { get; init; }

    /// <summary>A <c>rabbitmqctl</c> command line for the broker, to read its message counters; optional.</summary>
    public string? RabbitMqCtl { get; init; }

    /// <summary>Bench silos as hosts in this process rather than processes of their own (the smoke tests).</summary>
    public bool SilosInProcess { get; init; }

    /// <summary>Scenario names to run; all when empty.</summary>
    public IReadOnlyCollection<string> Only { get; init; } = [];

    public static int WarmUp(int requests) => Math.Max(1, requests / 5);

    public bool Includes(string scenario) => Only.Count == 0 || Only.Contains(scenario, StringComparer.OrdinalIgnoreCase);

    public static BenchSettings Smoke(string? rabbitMqUri) => new()
    {
        Runs = 1,
        Requests = 10,
        Concurrency = 4,
        RabbitMqRequests = 10,
        LatencyRequests = 3,
        InFlight = 50,
        InFlightRuns = 1,
        RawMessages = 50,
        RabbitMqUri = rabbitMqUri,
        SilosInProcess = true,
    };
}
