namespace TrustChain.Bench;

/// <summary>One row of the table: a scenario's runs on one engine.</summary>
internal sealed record ScenarioResult(string Scenario, string Engine, IReadOnlyList<RunResult> Runs, string Note = "")
{
    public int Failed => Runs.Sum(r => r.Failed);

    public int Requests => Runs.Sum(r => r.Requests);

    public Spread Of(Func<RunResult, double> figure) => Spread.Of(Runs.Select(figure));

    public Spread Extra(string name) => Spread.Of(Runs.Where(r => r.Extra.ContainsKey(name)).Select(r => r.Extra[name]));
}
