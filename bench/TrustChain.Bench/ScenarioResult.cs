namespace TrustChain.Bench;

/// <summary>One row of the table: a scenario's runs on one silo, with the baseline measured in turns with it, if any.</summary>
internal sealed record ScenarioResult(string Scenario, string Engine, IReadOnlyList<RunResult> Runs, string Note = "")
{
    /// <summary>The hand-written baseline, measured on the same silo in turns with this row's runs.</summary>
    public ScenarioResult? Baseline { get; init; }

    /// <summary>Who wrote what to Redis per request, from a pass of its own watched with MONITOR (the cluster rows).</summary>
    public RedisWriteSample? Sample { get; init; }

    /// <summary>The runs' Redis writes per request, where they were counted.</summary>
    public IReadOnlyList<RedisRunWrites> RedisWrites => [.. Runs.Select(r => r.Redis).OfType<RedisRunWrites>()];

    public int Failed => Runs.Sum(r => r.Failed);

    public int Requests => Runs.Sum(r => r.Requests);

    public Spread Of(Func<RunResult, double> figure) => Spread.Of(Runs.Select(figure));

    public Spread Extra(string name) => Spread.Of(Runs.Where(r => r.Extra.ContainsKey(name)).Select(r => r.Extra[name]));

    /// <summary>The median of a figure here ÷ the median of the same figure of the baseline (NaN without one).</summary>
    public double RatioToBaseline(Func<RunResult, double> figure) =>
        Baseline is { } baseline ? Of(figure).Median / baseline.Of(figure).Median : double.NaN;
}
