namespace TrustChain.Bench;

/// <summary>One measured run of a scenario (warm-up excluded).</summary>
internal sealed record RunResult(
    int Requests,
    int Failed,
    double RequestsPerSecond,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    double AllocatedBytesPerRequest,
    double PeakWorkingSetMb)
{
    /// <summary>Extra figures a scenario measures besides the common ones (e.g. broker messages per request).</summary>
    public IReadOnlyDictionary<string, double> Extra { get; init; } = new Dictionary<string, double>();

    /// <summary>What Redis wrote during the run, per request (the cluster rows).</summary>
    public RedisRunWrites? Redis { get; init; }
}
