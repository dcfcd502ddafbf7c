using TrustChain.Bench;

namespace TrustChain.Tests.Bench;

/// <summary>
/// Every scenario of bench/ with tiny counts, so that the benchmarks never rot: each runs end to end and every one
/// of its requests ends as the scenario expects. No figure is asserted: speed belongs in the bench's own run.
/// </summary>
public sealed class BenchSmokeTests
{
    private static readonly BenchSettings Settings = BenchSettings.Smoke(rabbitMqUri: null);

    public static TheoryData<string> Variants() => [.. EmbeddedVariant.All.Select(v => v.Name)];

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task The_embedded_order_scenario_completes_every_request_with_three_results(string variant)
    {
        var row = await OrderScenarios.EmbeddedAsync(Settings, EmbeddedVariant.All.Single(v => v.Name == variant));

        AssertAllSucceeded(row);
    }

    [Fact]
    public async Task The_hand_written_baseline_joins_three_results_per_request()
    {
        AssertAllSucceeded(await OrderScenarios.BaselineAsync(Settings));
    }

    [Fact]
    public async Task The_nobody_interested_scenario_ends_every_request_NoInterest_and_nested_chains_complete()
    {
        await using var node = await BenchNode.StartAsync("bench-smoke", b => b.AddBenchWorkers());

        AssertAllSucceeded(await LatencyScenarios.NoInterestAsync(Settings, node.Dispatcher, "embedded"));
        var nested = await LatencyScenarios.NestedAsync(Settings, node.Dispatcher, "embedded");
        Assert.Equal(LatencyScenarios.Depths.Length, nested.Count);
        Assert.All(nested, AssertAllSucceeded);
        Assert.All(nested, row => Assert.False(double.IsNaN(row.Extra("ms/level").Median)));
    }

    [Fact]
    public async Task The_in_flight_scenario_holds_every_request_in_its_worker_then_completes_them_all()
    {
        var row = await InFlightScenario.RunAsync(Settings);

        AssertAllSucceeded(row);
        Assert.All(row.Runs, r => Assert.Equal(Settings.InFlight, r.Requests));
        Assert.All(row.Runs, r => Assert.True(r.Extra.ContainsKey("heap bytes/in-flight"), "the memory per request in flight is measured"));
    }

    [Fact]
    public async Task The_web_api_scenario_answers_every_request_over_http_and_directly()
    {
        var rows = await WebApiScenario.RunAsync(Settings);

        Assert.Equal(2, rows.Count);
        Assert.All(rows, AssertAllSucceeded);
    }

    [Fact]
    public async Task The_report_has_a_row_per_scenario_and_the_headline_ratios()
    {
        var report = await BenchRun.RunAsync(Settings, [BenchRun.Embedded], TextWriter.Null);
        var markdown = report.ToMarkdown();

        Assert.All(report.Rows, AssertAllSucceeded);
        Assert.Contains("| scenario | engine | req/s |", markdown, StringComparison.Ordinal);
        Assert.Contains("of the hand-written Task.WhenAll fan-out", markdown, StringComparison.Ordinal);
        Assert.Contains("NoInterest on embedded", markdown, StringComparison.Ordinal);
        Assert.Contains("Web API over HTTP", markdown, StringComparison.Ordinal);
        Assert.Contains("heap bytes per in-flight request", markdown, StringComparison.Ordinal);
    }

    internal static void AssertAllSucceeded(ScenarioResult row)
    {
        Assert.NotEmpty(row.Runs);
        Assert.True(row.Failed == 0, $"{row.Scenario} on {row.Engine}: {row.Failed} of {row.Requests} requests did not end as expected");
        Assert.All(row.Runs, r => Assert.True(r.RequestsPerSecond > 0 && r.MaxMs >= r.P50Ms, $"{row.Scenario}: a run without figures"));
    }
}
