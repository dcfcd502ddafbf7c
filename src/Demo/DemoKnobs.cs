namespace TrustChain.Demo;

/// <summary>
/// Knobs every demo payload carries to make races, slow workers, failures and deadlines reproducible from outside.
/// Maps go from worker name to milliseconds.
/// </summary>
public abstract record DemoKnobs
{
    /// <summary>Simulated work before the worker's result.</summary>
    public IReadOnlyDictionary<string, int>? WorkMs { get; init; }

    /// <summary>Delay before the worker's verdict.</summary>
    public IReadOnlyDictionary<string, int>? VerdictMs { get; init; }

    /// <summary>Workers that fail instead of answering.</summary>
    public IReadOnlyList<string>? Fail { get; init; }
}
