using TrustChain.Bench;
using TrustChain.Tests.Redis;

namespace TrustChain.Tests.Bench;

/// <summary>
/// Every scenario of bench/ with tiny counts, so that the benchmarks never rot: each runs end to end on its Orleans
/// silo and every one of its requests ends as the scenario expects. No figure is asserted: speed belongs in the
/// bench's own run. The cluster's scenarios need the Redis of <c>TRUSTCHAIN_TEST_REDIS</c> (set by scripts/test.sh):
/// without it they fail, never skip.
/// </summary>
public sealed class BenchSmokeTests
{
    private static readonly BenchSettings Settings = BenchSettings.Smoke();

    /// <summary>Read when a test needs it, so that only those tests fail without a Redis.</summary>
    private static BenchSettings WithRedis => Settings with { Redis = TestRedis.Address };

    public static TheoryData<string> Deliveries() => [.. BenchDelivery.All.Select(d => d.Name)];

    [Fact]
    public async Task The_order_scenario_on_each_variant_and_its_hand_written_fan_out_get_three_results_per_request()
    {
        // Two rounds: the second takes the turns the other way round.
        var settings = Settings with { ThroughputRuns = 2 };

        var rows = await OrderScenarios.EmbeddedAsync(settings, EmbeddedVariant.All);

        Assert.Equal(EmbeddedVariant.All.Select(OrderScenarios.EngineOf), rows.Select(r => r.Engine));
        Assert.All(rows, row =>
        {
            AssertAllSucceeded(row);
            Assert.Equal(2, row.Runs.Count);
            Assert.NotNull(row.Baseline);
            AssertAllSucceeded(row.Baseline);
            Assert.Equal(2, row.Baseline.Runs.Count);
        });
    }

    [Theory]
    [MemberData(nameof(Deliveries))]
    public async Task The_nobody_interested_scenario_ends_every_request_NoInterest_on_each_delivery_and_by_hand_gets_no_result(string name)
    {
        var delivery = BenchDelivery.Parse(name);
        await using var silo = await BenchSilo.StartAsync(Settings, $"bench-smoke-{delivery.Name}", delivery);

        var row = await LatencyScenarios.NoInterestAsync(Settings, silo, delivery.Label, BenchSettings.IsPolledSlowly(delivery));

        AssertAllSucceeded(row);
        Assert.Equal(delivery.Label, row.Engine);
        Assert.NotNull(row.Baseline);
        AssertAllSucceeded(row.Baseline);
    }

    [Fact]
    public async Task The_nested_chains_complete_at_every_depth_next_to_the_same_chain_written_by_hand()
    {
        await using var silo = await BenchSilo.StartAsync(Settings, "bench-smoke");

        var nested = await LatencyScenarios.NestedAsync(Settings, silo, "silo");
        Assert.Equal(LatencyScenarios.Depths.Select(LatencyScenarios.NestedName), nested.Select(r => r.Scenario));
        Assert.All(nested, AssertAllSucceeded);
        Assert.All(nested, row =>
        {
            Assert.False(double.IsNaN(row.Extra("ms/level").Median));
            Assert.NotNull(row.Baseline);
            AssertAllSucceeded(row.Baseline);
            Assert.False(double.IsNaN(row.Baseline.Extra("ms/level").Median));
        });
    }

    [Fact]
    public async Task The_cluster_scenarios_run_on_two_silos_over_Redis_from_a_client_next_to_their_hand_written_baselines_and_count_what_Redis_writes()
    {
        var rows = await ClusterScenario.RunAsync(WithRedis, TextWriter.Null);

        Assert.Equal(
            [OrderScenarios.Embedded, LatencyScenarios.NoInterestName, .. LatencyScenarios.Depths.Select(LatencyScenarios.NestedName)],
            rows.Select(r => r.Scenario));
        Assert.All(rows, AssertAllSucceeded);
        Assert.All(rows, row =>
        {
            Assert.NotNull(row.Baseline);
            AssertAllSucceeded(row.Baseline);
            Assert.All(row.Runs.Concat(row.Baseline.Runs), r => Assert.NotNull(r.Redis));
            // Every TrustChain request writes its request grain's state: the sample tells who writes.
            Assert.NotNull(row.Sample);
            Assert.Contains("request grain state", row.Sample.ByOwner.Keys);
        });
    }

    [Fact]
    public async Task The_cluster_rows_fail_at_once_without_a_Redis_instead_of_being_skipped()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => BenchRun.RunAsync(Settings with { Redis = null }, TextWriter.Null));

        Assert.Contains("--redis", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_in_flight_scenario_holds_every_request_in_its_worker_then_completes_them_all_and_so_does_its_hand_written_baseline()
    {
        var row = await InFlightScenario.RunAsync(Settings);

        AssertAllSucceeded(row);
        var baseline = Assert.IsType<ScenarioResult>(row.Baseline);
        AssertAllSucceeded(baseline);
        Assert.All(row.Runs.Concat(baseline.Runs), r => Assert.Equal(Settings.InFlight, r.Requests));
        Assert.All(row.Runs.Concat(baseline.Runs), r => Assert.True(r.Extra.ContainsKey(InFlightScenario.HeapPerRequest), "the memory per request in flight is measured"));
    }

    [Fact]
    public async Task The_web_api_scenario_answers_every_request_over_http_and_directly()
    {
        var rows = await WebApiScenario.RunAsync(Settings);

        Assert.Equal(2, rows.Count);
        Assert.All(rows, AssertAllSucceeded);
    }

    [Fact]
    public async Task The_overload_scenario_finds_its_best_closed_loop_then_every_call_of_its_open_loop_is_served_or_refused_with_429()
    {
        var result = await OverloadScenario.RunAsync(Settings);

        Assert.NotEmpty(result.Steps);
        Assert.All(result.Steps, s => Assert.Equal(0, s.Run.Failed));
        Assert.True(result.Offered > 0 && result.Served > 0, $"{result.Served} of {result.Offered} offered calls served");
        Assert.Equal(0, result.Failed);
        Assert.Equal(0, result.Wrong);
        Assert.Equal(result.Offered, result.Served + result.Refused);
        Assert.All(OverloadScenario.Rows(result), r => Assert.Equal(0, r.Failed));
    }

    [Fact]
    public async Task The_idle_cpu_scenario_measures_every_silo_it_names()
    {
        var results = await IdleCpuScenario.RunAsync(Settings, IdleCpuScenario.Targets);

        Assert.Equal(IdleCpuScenario.Targets.Select(IdleCpuScenario.LabelOf), results.Select(r => r.Label));
        Assert.All(results, r => Assert.Equal(Settings.IdleRuns, r.PercentOfCore.Count));
        Assert.All(results, r => Assert.All(r.PercentOfCore, p => Assert.True(p >= 0 && !double.IsNaN(p), $"{r.Label}: a CPU figure of {p}")));
    }

    [Fact]
    public async Task The_report_has_the_delivery_comparison_the_idle_cpu_and_a_row_per_scenario()
    {
        var report = await BenchRun.RunAsync(WithRedis, TextWriter.Null);
        var markdown = report.ToMarkdown("bash bench/run.sh", "A note.");

        // The open loop's figures depend on how fast this machine serves a window of 300 ms; its outcomes do not.
        Assert.All(report.Rows.Where(r => r.Scenario != OverloadScenario.OpenLoopName), AssertAllSucceeded);
        Assert.All(report.Rows, r => Assert.Equal(0, r.Failed));
        Assert.Equal(BenchDelivery.All.Count, report.DeliveryComparison().Count);
        Assert.All(report.DeliveryComparison(), c => Assert.False(double.IsNaN(c.P50Ratio) || double.IsNaN(c.P99Ratio), $"{c.Row.Engine}: no ratio to the baseline"));
        Assert.All(report.Rows.Where(r => r.Scenario == OrderScenarios.Embedded), r => Assert.NotNull(r.Baseline));
        Assert.Equal(IdleCpuScenario.Targets.Count, report.Idle.Count);
        Assert.Contains("Command: `bash bench/run.sh`", markdown, StringComparison.Ordinal);
        Assert.Contains("#### The nobody-interested answer, by delivery", markdown, StringComparison.Ordinal);
        Assert.Contains("#### Idle silo CPU", markdown, StringComparison.Ordinal);
        Assert.Contains("target ≤ 5 ms", markdown, StringComparison.Ordinal);
        Assert.Contains("target < 2 %", markdown, StringComparison.Ordinal);
        Assert.Contains("Order (3 interested, 2 decline) on one silo:", markdown, StringComparison.Ordinal);
        Assert.Contains("target ≤ 5.5×", markdown, StringComparison.Ordinal);
        Assert.Contains("Signed order throughput:", markdown, StringComparison.Ordinal);
        Assert.Contains("Heap per request in flight (its worker waiting in its handler):", markdown, StringComparison.Ordinal);
        Assert.Contains("| scenario | silo | req/s |", markdown, StringComparison.Ordinal);
        Assert.Contains("of the hand-written grain fan-out", markdown, StringComparison.Ordinal);
        Assert.Contains("Web API over HTTP", markdown, StringComparison.Ordinal);
        Assert.Contains("heap bytes per in-flight request", markdown, StringComparison.Ordinal);
        Assert.Contains("#### Overload through the Web API", markdown, StringComparison.Ordinal);
        Assert.Contains("Accepted throughput at 4× load ≥ 80 % of best: ", markdown, StringComparison.Ordinal);
        Assert.NotNull(report.Overload);
        Assert.Equal(2 + LatencyScenarios.Depths.Length, report.Cluster().Count);
        Assert.Contains("#### The cluster: 2 silos on Redis, from an Orleans client", markdown, StringComparison.Ordinal);
        Assert.Contains("#### Redis writes per request in the cluster", markdown, StringComparison.Ordinal);
        Assert.Contains("target ≥ 25 %", markdown, StringComparison.Ordinal);
        Assert.Contains("target ≤ 10 ms", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void The_results_replace_what_stands_between_the_markers_and_nothing_else()
    {
        var document = $"# Benchmarks\n\nBefore.\n\n{BenchReport.BeginMarker}\n\nold figures\n\n{BenchReport.EndMarker}\n\nAfter.\n";

        var spliced = BenchReport.Splice(document, "new figures\n");

        Assert.Equal($"# Benchmarks\n\nBefore.\n\n{BenchReport.BeginMarker}\n\nnew figures\n\n{BenchReport.EndMarker}\n\nAfter.\n", spliced);
        Assert.Equal(spliced, BenchReport.Splice(spliced, "new figures"));
        Assert.EndsWith($"{BenchReport.EndMarker}\n", BenchReport.Splice("# Benchmarks\n", "figures"), StringComparison.Ordinal);
    }

    internal static void AssertAllSucceeded(ScenarioResult row)
    {
        Assert.NotEmpty(row.Runs);
        Assert.True(row.Failed == 0, $"{row.Scenario} on {row.Engine}: {row.Failed} of {row.Requests} requests did not end as expected");
        Assert.All(row.Runs, r => Assert.True(r.RequestsPerSecond > 0 && r.MaxMs >= r.P50Ms, $"{row.Scenario}: a run without figures"));
    }
}
