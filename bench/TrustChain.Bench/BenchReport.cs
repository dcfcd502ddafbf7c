using System.Globalization;
using System.Text;

namespace TrustChain.Bench;

/// <summary>
/// The run's own markdown: the machine, the settings, the delivery comparison against the hand-written baseline with
/// the issue's targets, the idle CPU, then one row per scenario and the headline ratios.
/// </summary>
internal sealed class BenchReport(BenchSettings settings, BenchMachine machine, IReadOnlyList<ScenarioResult> rows, IReadOnlyList<IdleCpuResult> idle, OverloadResult? overload = null)
{
    /// <summary>The issue's targets for the default delivery.</summary>
    public const double TargetNoInterestP99Ms = 5;
    public const double TargetIdlePercent = 2;

    /// <summary>
    /// The issue's targets on one silo: order throughput ÷ the hand-written fan-out's, nested depth 5's p50 ÷ depth
    /// 1's, signed throughput ÷ unsigned, heap per request in flight.
    /// </summary>
    public const double TargetOrderRatio = 0.5;
    public const double TargetNestedDepthRatio = 5.5;
    public const double TargetSignedRatio = 0.5;
    public const double TargetInFlightBytes = 6 * 1024;

    /// <summary>The issue's targets for the cluster: order throughput ÷ the hand-written fan-out's, NoInterest p99.</summary>
    public const double TargetClusterOrderRatio = 0.25;
    public const double TargetClusterNoInterestP99Ms = 10;

    public const string BeginMarker = "<!-- bench:results:begin (written by bench/run.sh; edits inside are overwritten) -->";
    public const string EndMarker = "<!-- bench:results:end -->";

    public IReadOnlyList<ScenarioResult> Rows => rows;

    public IReadOnlyList<IdleCpuResult> Idle => idle;

    public OverloadResult? Overload => overload;

    public ScenarioResult? Find(string scenario, string engine) =>
        rows.FirstOrDefault(r => r.Scenario == scenario && r.Engine == engine);

    /// <summary>The NoInterest rows by delivery, with their p50 and p99 against those of the baseline measured in turns with them.</summary>
    public IReadOnlyList<(ScenarioResult Row, double P50Ratio, double P99Ratio)> DeliveryComparison() =>
    [
        .. rows.Where(r => r.Scenario == LatencyScenarios.NoInterestName && BenchDelivery.All.Any(d => d.Label == r.Engine))
            .Select(r => (r, r.RatioToBaseline(x => x.P50Ms), r.RatioToBaseline(x => x.P99Ms))),
    ];

    /// <summary>The cluster rows (each with its baseline), in the order they ran.</summary>
    public IReadOnlyList<ScenarioResult> Cluster() => [.. rows.Where(r => r.Engine == ClusterScenario.Engine)];

    public IReadOnlyList<string> ClusterTargets()
    {
        var lines = new List<string>();
        if (Find(OrderScenarios.Embedded, ClusterScenario.Engine) is { Baseline: { } baseline } order)
        {
            lines.Add(OrderTarget("on the cluster", "across the same silos", order, baseline, TargetClusterOrderRatio));
        }

        if (Find(LatencyScenarios.NoInterestName, ClusterScenario.Engine) is { } noInterest)
        {
            var p99 = noInterest.Of(r => r.P99Ms);
            var within = noInterest.Runs.Count(r => r.P99Ms <= TargetClusterNoInterestP99Ms);
            lines.Add(Invariant($"NoInterest answer on the cluster: p99 {p99.Format("0.000")} ms; target ≤ {TargetClusterNoInterestP99Ms:0} ms: ",
                $"{(p99.Median <= TargetClusterNoInterestP99Ms ? "met" : "NOT met")} by the median of the runs, within it in {within} of {noInterest.Runs.Count} runs",
                $"{(noInterest.Baseline is { } b ? Invariant($" (the hand-written fan-out's p99 across the same silos: {b.Of(r => r.P99Ms).Format("0.000")} ms)") : "")}."));
        }

        var counted = Cluster().Where(r => r.RedisWrites.Count > 0).ToList();
        if (counted.Count > 0)
        {
            lines.Add($"Redis writes per request, counted by Redis around every measured run: {string.Join(", ", counted.Select(r => Invariant($"{r.Scenario} {r.Extra(RedisRunWrites.ExtraName).Median:0.00}")))}; what they are, below.");
        }

        return lines;
    }

    public IReadOnlyList<string> Targets()
    {
        var lines = new List<string>();
        if (Find(LatencyScenarios.NoInterestName, BenchDelivery.BroadcastChannel.Label) is { } noInterest)
        {
            var p99 = noInterest.Of(r => r.P99Ms);
            var within = noInterest.Runs.Count(r => r.P99Ms <= TargetNoInterestP99Ms);
            lines.Add(Invariant($"NoInterest answer on the default delivery: p99 {p99.Format("0.000")} ms; target ≤ {TargetNoInterestP99Ms:0} ms: ",
                $"{(p99.Median <= TargetNoInterestP99Ms ? "met" : "NOT met")} by the median of the runs, within it in {within} of {noInterest.Runs.Count} runs",
                $"{(noInterest.Baseline is { } b ? Invariant($" (the hand-written fan-out's p99 on the same silo, in turns with it: {b.Of(r => r.P99Ms).Format("0.000")} ms)") : "")}."));
        }

        if (Find(OrderScenarios.Embedded, OrderScenarios.EngineOf(EmbeddedVariant.Unsigned)) is { Baseline: { } byHand } order)
        {
            lines.Add(OrderTarget("on one silo", "on the same silo", order, byHand, TargetOrderRatio));
        }

        if (rows.FirstOrDefault(r => r.Scenario == LatencyScenarios.NestedName(1) && r.Engine != ClusterScenario.Engine) is { } depth1
            && rows.FirstOrDefault(r => r.Scenario == LatencyScenarios.NestedName(5) && r.Engine != ClusterScenario.Engine) is { } depth5)
        {
            var ratio = depth5.Of(r => r.P50Ms).Median / depth1.Of(r => r.P50Ms).Median;
            var chainByHand = depth1.Baseline is { } hand1 && depth5.Baseline is { } hand5
                ? Invariant($" (the same chain by hand on the same silo, in turns with it: {hand5.Of(r => r.P50Ms).Median / hand1.Of(r => r.P50Ms).Median:0.00}×, {hand5.Of(r => r.P50Ms).Median:0.000} vs {hand1.Of(r => r.P50Ms).Median:0.000} ms)")
                : "";
            lines.Add(Invariant($"Nested depth 5 at p50: {ratio:0.00}× depth 1 ({depth5.Of(r => r.P50Ms).Median:0.000} vs {depth1.Of(r => r.P50Ms).Median:0.000} ms); ",
                $"target ≤ {TargetNestedDepthRatio:0.0}×: {(ratio <= TargetNestedDepthRatio ? "met" : "NOT met")} by the medians{chainByHand}."));
        }

        if (Find(OrderScenarios.Embedded, OrderScenarios.EngineOf(EmbeddedVariant.Signed)) is { } signed
            && Find(OrderScenarios.Embedded, OrderScenarios.EngineOf(EmbeddedVariant.Unsigned)) is { } unsigned)
        {
            var ratio = Ratio(signed, unsigned);

            // The two silos run in turns (OrderScenarios.EmbeddedAsync): a round's signed run is compared with the
            // unsigned run next to it.
            var rounds = Math.Min(signed.Runs.Count, unsigned.Runs.Count);
            var within = Enumerable.Range(0, rounds).Count(i => signed.Runs[i].RequestsPerSecond >= TargetSignedRatio * unsigned.Runs[i].RequestsPerSecond);
            lines.Add(Invariant($"Signed order throughput: {ratio:P1} of unsigned in the same run, the two silos in turns ({signed.Of(r => r.RequestsPerSecond).Median:N0} vs ",
                $"{unsigned.Of(r => r.RequestsPerSecond).Median:N0} req/s; each against its own hand-written baseline: {Ratio(signed, signed.Baseline ?? signed):P1} and ",
                $"{Ratio(unsigned, unsigned.Baseline ?? unsigned):P1}); target ≥ {TargetSignedRatio:P0}: {(ratio >= TargetSignedRatio ? "met" : "NOT met")} by the medians, ",
                $"within it in {within} of {rounds} rounds."));
        }

        if (rows.FirstOrDefault(r => r.Scenario.EndsWith(InFlightScenario.Name, StringComparison.Ordinal)) is { } inFlight)
        {
            var bytes = inFlight.Extra(InFlightScenario.HeapPerRequest);
            var waitingByHand = inFlight.Baseline?.Extra(InFlightScenario.HeapPerRequest);
            lines.Add(Invariant($"Heap per request in flight (its worker waiting in its handler): {bytes.Format("N0")} bytes; target ≤ {TargetInFlightBytes:N0}: ",
                $"{(bytes.Median <= TargetInFlightBytes ? "met" : "NOT met")} by the median of the runs",
                $"{(waitingByHand is { } b ? Invariant($" (by hand, a requester grain calling a worker grain that waits, on a silo of its own in turns with it: {b.Format("N0")} bytes; {bytes.Median / b.Median:0.0}×)") : "")}."));
        }

        if (idle.FirstOrDefault(i => i.Label == BenchDelivery.BroadcastChannel.Label) is { } quiet)
        {
            var percent = quiet.Percent;
            var within = quiet.PercentOfCore.Count(p => p < TargetIdlePercent);
            lines.Add(Invariant($"Idle silo on the default delivery: {percent.Format("0.00")} % of one core; target < {TargetIdlePercent:0} %: ",
                $"{(percent.Median < TargetIdlePercent ? "met" : "NOT met")} by the median of the windows, within it in {within} of {quiet.PercentOfCore.Count} windows",
                $"{(idle.FirstOrDefault(i => i.Label == IdleCpuScenario.PlainLabel) is { } plain ? Invariant($" (a plain Orleans silo: {plain.Percent.Format("0.00")} %)") : "")}."));
        }

        if (overload is not null)
        {
            lines.Add(Invariant($"Accepted throughput at {overload.Factor:0.#}× load ≥ {OverloadResult.Target:P0} of best: {(overload.Met ? "met" : "NOT met")} ",
                $"({overload.Ratio:P1}: {overload.AcceptedPerSecond:N0} accepted outcomes/s against the best {overload.BestPerSecond:N0} req/s at {overload.Best.Callers} callers, measured just before; ",
                $"{overload.Failed} errors other than 429, {overload.Wrong} accepted requests without their outcome; ",
                $"429 in {overload.LatencyMs(ApiAnswer.Refused, 0.50):0.0} ms at p50, {overload.LatencyMs(ApiAnswer.Refused, 0.99):0.0} ms at p99)."));
        }

        return lines;
    }

    public IReadOnlyList<string> Headlines()
    {
        var lines = new List<string>();
        foreach (var (row, p50, p99) in DeliveryComparison())
        {
            lines.Add(Invariant($"NoInterest on {row.Engine}: p50 {row.Of(r => r.P50Ms).Median:0.000} ms ({p50:0.0}× the hand-written fan-out), ",
                $"p99 {row.Of(r => r.P99Ms).Median:0.000} ms ({p99:0.0}×); the seed's fixed window was {LatencyScenarios.SeedWindow.TotalMilliseconds:0} ms."));
        }

        if (idle.FirstOrDefault(i => i.Label == BenchDelivery.BroadcastChannel.Label) is { } broadcast
            && idle.FirstOrDefault(i => i.Label == BenchDelivery.Streams1Ms.Label) is { } fast)
        {
            lines.Add(Invariant($"Idle: memory streams at a 1 ms poll burn {fast.Percent.Median:0.00} % of a core doing nothing, ",
                $"{fast.Percent.Median / Math.Max(broadcast.Percent.Median, 0.01):0.0}× the BroadcastChannel silo's {broadcast.Percent.Median:0.00} %."));
        }

        foreach (var variant in EmbeddedVariant.All)
        {
            if (Find(OrderScenarios.Embedded, OrderScenarios.EngineOf(variant)) is { Baseline: { } baseline } order)
            {
                lines.Add(Invariant($"Order ({variant.Name}) throughput is {Ratio(order, baseline):P1} of the hand-written grain fan-out's on the same silo ",
                    $"({order.Of(r => r.RequestsPerSecond).Median:N0} vs {baseline.Of(r => r.RequestsPerSecond).Median:N0} req/s); ",
                    $"p50 {order.Of(r => r.P50Ms).Median:0.000} ms vs {baseline.Of(r => r.P50Ms).Median:0.000} ms."));
            }
        }

        if (Find(OrderScenarios.Embedded, OrderScenarios.EngineOf(EmbeddedVariant.Signed)) is { } signed
            && Find(OrderScenarios.Embedded, OrderScenarios.EngineOf(EmbeddedVariant.Unsigned)) is { } unsigned)
        {
            var extraBytes = signed.Of(r => r.AllocatedBytesPerRequest).Median - unsigned.Of(r => r.AllocatedBytesPerRequest).Median;
            lines.Add(Invariant($"Signing: signed throughput is {Ratio(signed, unsigned):P1} of unsigned in the same run; {extraBytes:N0} bytes more allocated per request."));
        }

        var nested = LatencyScenarios.Depths
            .Select(d => rows.FirstOrDefault(r => r.Scenario == LatencyScenarios.NestedName(d) && r.Engine != ClusterScenario.Engine) is { } n
                ? Invariant($"depth {d}: {n.Extra("ms/level").Median:0.000}{(n.Baseline is { } b ? Invariant($" (by hand {b.Extra("ms/level").Median:0.000})") : "")}")
                : null)
            .OfType<string>()
            .ToList();
        if (nested.Count > 0)
        {
            lines.Add($"Nested, p50 ms per level: {string.Join(", ", nested)}.");
        }

        if (Find(OrderScenarios.Embedded, ClusterScenario.Engine) is { Baseline: { } clusterBaseline } clusterOrder)
        {
            lines.Add(Invariant($"Cluster: order throughput is {Ratio(clusterOrder, clusterBaseline):P1} of the hand-written grain fan-out's across the same 2 silos ",
                $"({clusterOrder.Of(r => r.RequestsPerSecond).Median:N0} vs {clusterBaseline.Of(r => r.RequestsPerSecond).Median:N0} req/s); ",
                $"p50 {clusterOrder.Of(r => r.P50Ms).Median:0.000} ms vs {clusterBaseline.Of(r => r.P50Ms).Median:0.000} ms; ",
                $"{clusterOrder.Extra(RedisRunWrites.ExtraName).Median:0.0} Redis writes per request."));
        }

        if (Find(LatencyScenarios.NoInterestName, ClusterScenario.Engine) is { Baseline: { } clusterNobodyBaseline } clusterNobody)
        {
            lines.Add(Invariant($"Cluster: NoInterest p50 {clusterNobody.Of(r => r.P50Ms).Median:0.000} ms ({clusterNobody.RatioToBaseline(r => r.P50Ms):0.0}× the hand-written fan-out), ",
                $"p99 {clusterNobody.Of(r => r.P99Ms).Median:0.000} ms ({clusterNobody.RatioToBaseline(r => r.P99Ms):0.0}×), vs {clusterNobodyBaseline.Of(r => r.P99Ms).Median:0.000} ms by hand."));
        }

        var clusterNested = LatencyScenarios.Depths
            .Select(d => Find(LatencyScenarios.NestedName(d), ClusterScenario.Engine) is { } n ? Invariant($"depth {d}: {n.Extra("ms/level").Median:0.000} (by hand {n.Baseline?.Extra("ms/level").Median:0.000})") : null)
            .OfType<string>()
            .ToList();
        if (clusterNested.Count > 0)
        {
            lines.Add($"Cluster: nested, p50 ms per level: {string.Join(", ", clusterNested)}.");
        }

        if (rows.FirstOrDefault(r => r.Scenario.EndsWith(InFlightScenario.Name, StringComparison.Ordinal)) is { } inFlight)
        {
            lines.Add(Invariant($"{inFlight.Scenario}: {inFlight.Extra(InFlightScenario.HeapPerRequest).Format("N0")} heap bytes per in-flight request, ",
                $"peak working set {inFlight.Of(r => r.PeakWorkingSetMb).Format("N0")} MB."));
        }

        if (Find(WebApiScenario.Name, WebApiScenario.OverHttp) is { } http && Find(WebApiScenario.Name, WebApiScenario.Direct) is { } direct)
        {
            lines.Add(Invariant($"Web API over HTTP: {Ratio(http, direct):P1} of the direct dispatcher's throughput; p50 {http.Of(r => r.P50Ms).Median:0.000} ms vs {direct.Of(r => r.P50Ms).Median:0.000} ms."));
        }

        return lines;
    }

    public string ToMarkdown(string? command = null, string? machineNote = null)
    {
        var text = new StringBuilder();
        if (command is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`").AppendLine();
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine.Describe()}.{(machineNote is null ? "" : $" {machineNote}")}");
        text.AppendLine(Invariant($"Settings: each figure from measured runs after a warm-up run: order and API {settings.ThroughputRuns} runs of {settings.Requests} requests × {settings.Concurrency} callers; ",
            $"NoInterest one at a time, {settings.Runs} runs of {settings.LatencyRequests} ({settings.PolledRuns} of {settings.PolledLatencyRequests} on memory streams at the default poll); nested {settings.Runs} runs of {settings.NestedRequests} per depth; ",
            $"overload: closed-loop steps of {settings.Requests} requests from {settings.OverloadStartCallers} callers, then {settings.OverloadFactor:0.#}× the best open loop for {settings.OverloadWindow.TotalSeconds:0.#} s (one run); ",
            $"{settings.InFlight:N0} in flight × {settings.InFlightRuns} runs; idle CPU over {settings.IdleRuns} windows of {settings.IdleWindow.TotalSeconds:0.#} s after {settings.IdleSettle.TotalSeconds:0.#} s of settling",
            $"{(Cluster().Count > 0 ? Invariant($"; the cluster's rows as the embedded ones, after {settings.ClusterWarmUpTime.TotalSeconds:0} s of warm-up, and a MONITOR pass of {settings.ClusterSampleRequests} requests per scenario") : "")}."));
        text.AppendLine("Each cell: median (min–max) of the runs.");

        var comparison = DeliveryComparison();
        if (comparison.Count > 0)
        {
            text.AppendLine().AppendLine("#### The nobody-interested answer, by delivery").AppendLine();
            text.AppendLine("Baseline: a requester grain calling 2 worker grains that decline, measured on the same silo in turns with the row's runs.").AppendLine();
            text.AppendLine("| delivery | p50 ms | p99 ms | max ms | baseline p50 ms | baseline p99 ms | p50 ÷ baseline | p99 ÷ baseline | requests | failed |");
            text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            foreach (var (row, p50, p99) in comparison)
            {
                var baseline = row.Baseline;
                text.AppendLine(Invariant($"| {row.Engine} | {row.Of(r => r.P50Ms).Format("0.000")} | {row.Of(r => r.P99Ms).Format("0.000")} | {row.Of(r => r.MaxMs).Format("0.0")} | ",
                    $"{baseline?.Of(r => r.P50Ms).Format("0.000") ?? "n/a"} | {baseline?.Of(r => r.P99Ms).Format("0.000") ?? "n/a"} | {p50:0.0}× | {p99:0.0}× | {row.Requests} | {row.Failed} |"));
            }
        }

        if (idle.Count > 0)
        {
            text.AppendLine().AppendLine("#### Idle silo CPU").AppendLine();
            text.AppendLine("| silo | CPU, % of one core | measured in |");
            text.AppendLine("| --- | --- | --- |");
            foreach (var result in idle)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {result.Label} | {result.Percent.Format("0.00")} | {result.Where} |");
            }
        }

        if (overload is not null)
        {
            AppendOverload(text, overload);
        }

        var targets = Targets();
        if (targets.Count > 0)
        {
            text.AppendLine().AppendLine("#### The issue's targets on one silo (the default delivery)").AppendLine();
            foreach (var line in targets)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
            }
        }

        AppendCluster(text);

        text.AppendLine().AppendLine("#### Every scenario").AppendLine();
        text.AppendLine("| scenario | silo | req/s | p50 ms | p99 ms | max ms | alloc B/req | peak WS MB | failed | more |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var row in rows)
        {
            var extras = row.Runs.SelectMany(r => r.Extra.Keys).Distinct().Select(k => $"{k} {row.Extra(k).Format("N1")}");
            text.AppendLine(Invariant(
                $"| {row.Scenario} | {row.Engine} | {row.Of(r => r.RequestsPerSecond).Format("N0")} | {row.Of(r => r.P50Ms).Format("0.000")} | ",
                $"{row.Of(r => r.P99Ms).Format("0.000")} | {row.Of(r => r.MaxMs).Format("0.0")} | {row.Of(r => r.AllocatedBytesPerRequest).Format("N0")} | ",
                $"{row.Of(r => r.PeakWorkingSetMb).Format("N0")} | {row.Failed}/{row.Requests} | {string.Join("; ", extras.Append(row.Note).Where(s => s.Length > 0))} |"));
        }

        text.AppendLine();
        foreach (var line in Headlines())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
        }

        return text.ToString();
    }

    private static void AppendOverload(StringBuilder text, OverloadResult o)
    {
        text.AppendLine().AppendLine("#### Overload through the Web API").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{o.Setup}. Baseline: the best closed-loop throughput, callers stepped up, in the same run just before the open loop.").AppendLine();
        text.AppendLine("| figure | value |");
        text.AppendLine("| --- | --- |");
        var steps = string.Join(", ", o.Steps.Select(s => Invariant($"{s.Callers} → {s.Goodput:N0}{(s.Refused > 0 ? Invariant($" ({s.Refused} refused)") : "")}")));
        text.AppendLine(Invariant($"| best closed loop (baseline) | {o.BestPerSecond:N0} outcomes/s at {o.Best.Callers} callers, p50 {o.Best.Run.P50Ms:0.0} ms, p99 {o.Best.Run.P99Ms:0.0} ms (callers → outcomes/s: {steps}) |"));
        text.AppendLine(Invariant($"| offered, open loop | {o.Factor:0.#}× = {o.OfferedPerSecond:N0} req/s for {o.Open.Window.TotalSeconds:0.#} s, {o.Offered:N0} requests (issued at {o.IssuedPerSecond:N0} req/s; thread pool started them {o.IssueLagMs(0.50):0.0} ms late at p50, {o.IssueLagMs(0.99):0.0} ms at p99) |"));
        text.AppendLine(Invariant($"| accepted throughput (steady state) | {o.AcceptedPerSecond:N0} outcomes/s = **{o.Ratio:P1} of the best** (target ≥ {OverloadResult.Target:P0}) |"));
        text.AppendLine(Invariant($"| accepted latency, from when due | p50 {o.LatencyMs(ApiAnswer.Served, 0.50):0.0} ms, p99 {o.LatencyMs(ApiAnswer.Served, 0.99):0.0} ms |"));
        text.AppendLine(Invariant($"| refused with 429 | {o.Refused:N0} ({o.RefusedShare:P1} of offered); p50 {o.LatencyMs(ApiAnswer.Refused, 0.50):0.0} ms, p99 {o.LatencyMs(ApiAnswer.Refused, 0.99):0.0} ms |"));
        text.AppendLine(Invariant($"| errors other than 429 | {o.Failed} |"));
        text.AppendLine(Invariant($"| accepted without their outcome | {o.Wrong} of {o.Served + o.Wrong:N0} accepted |"));
        if (o.Problems.Count > 0)
        {
            text.AppendLine(Invariant($"| what went wrong | {string.Join("; ", o.Problems.Select(p => Invariant($"{p.Reason}: {p.Count}")))} |"));
        }

        if (o.NodeLimits.Count > 0)
        {
            var limits = o.NodeLimits.Order().ToList();
            text.AppendLine(Invariant($"| the node's in-flight limit meanwhile | {limits[limits.Count / 2]:N0} at the median, {limits[0]:N0}–{limits[^1]:N0} |"));
        }

        text.AppendLine(Invariant($"| all answered after | {o.Open.Drained.TotalSeconds:0.0} s; {(o.ServerCpu is { } server ? Invariant($"the API's process used {server.TotalSeconds / o.Open.Drained.TotalSeconds:0.00} cores meanwhile, the load's {o.Open.ProcessCpu.TotalSeconds / o.Open.Drained.TotalSeconds:0.00}") : Invariant($"the process used {o.Open.ProcessCpu.TotalSeconds / o.Open.Drained.TotalSeconds:0.00} cores meanwhile (client and server)"))}; thread pool at most {o.Open.MaxThreads} threads, {o.Open.MaxPendingWorkItems:N0} work items queued |"));
    }

    /// <summary>Puts <paramref name="markdown"/> between the markers of <paramref name="document"/> (appends them when missing).</summary>
    public static string Splice(string document, string markdown) => Splice(document, markdown, BeginMarker, EndMarker);

    /// <summary>Puts <paramref name="markdown"/> between the given markers of <paramref name="document"/> (appends them when missing).</summary>
    public static string Splice(string document, string markdown, string beginMarker, string endMarker)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(markdown);
        var block = $"{beginMarker}\n\n{markdown.TrimEnd()}\n\n{endMarker}";
        var begin = document.IndexOf(beginMarker, StringComparison.Ordinal);
        var end = document.IndexOf(endMarker, StringComparison.Ordinal);
        return begin >= 0 && end > begin
            ? string.Concat(document.AsSpan(0, begin), block, document.AsSpan(end + endMarker.Length))
            : $"{document.TrimEnd()}\n\n{block}\n";
    }

    /// <summary>The cluster's rows against their baselines, what Redis wrote per request, and the cluster's targets.</summary>
    private void AppendCluster(StringBuilder text)
    {
        var cluster = Cluster();
        if (cluster.Count == 0)
        {
            return;
        }

        text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"#### The cluster: {ClusterScenario.Silos} silos on Redis, from an Orleans client").AppendLine();
        text.AppendLine("Baseline: the same work written by hand as Orleans grains (a requester grain calling its worker grains with `Task.WhenAll`; nested: a chain of requester and worker grains), ")
            .AppendLine("called from the same client on the same silos, in turns with the row's runs.").AppendLine();
        text.AppendLine("| scenario | req/s | p50 ms | p99 ms | baseline req/s | baseline p50 ms | baseline p99 ms | req/s ÷ baseline | p50 ÷ baseline | p99 ÷ baseline | Redis writes/req | failed |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var row in cluster)
        {
            var baseline = row.Baseline;
            text.AppendLine(Invariant($"| {row.Scenario} | {row.Of(r => r.RequestsPerSecond).Format("N0")} | {row.Of(r => r.P50Ms).Format("0.000")} | {row.Of(r => r.P99Ms).Format("0.000")} | ",
                $"{baseline?.Of(r => r.RequestsPerSecond).Format("N0") ?? "n/a"} | {baseline?.Of(r => r.P50Ms).Format("0.000") ?? "n/a"} | {baseline?.Of(r => r.P99Ms).Format("0.000") ?? "n/a"} | ",
                $"{row.RatioToBaseline(r => r.RequestsPerSecond):P1} | {row.RatioToBaseline(r => r.P50Ms):0.0}× | {row.RatioToBaseline(r => r.P99Ms):0.0}× | ",
                $"{row.Extra(RedisRunWrites.ExtraName).Format("0.00")} | {row.Failed}/{row.Requests} |"));
        }

        var byHand = cluster.Select(r => r.Baseline).OfType<ScenarioResult>().SelectMany(b => b.Runs).Select(r => r.Redis).OfType<RedisRunWrites>().ToList();
        text.AppendLine().AppendLine("#### Redis writes per request in the cluster").AppendLine();
        text.AppendLine("A write is a command `COMMAND INFO` flags `write`, whether one of Orleans' scripts ran it or a client sent it; a script (`EVALSHA`) is not counted itself, the writes it runs are. ")
            .AppendLine("Writes and by command: Redis's own count (`INFO commandstats`) before and after every measured run, once Redis had gone quiet, ÷ the run's requests; medians of the runs. ")
            .AppendLine("KB received: what Redis received meanwhile (`total_net_input_bytes`: commands with the states they write, reads' requests too) ÷ requests. ")
            .AppendLine(Invariant($"By owner: told by the key, from a pass of its own per scenario watched with `MONITOR`. The hand-written baseline writes nothing itself: {Spread.Of(byHand.Select(r => r.WritesPerRequest)).Format("0.000")} writes/req during its runs (membership and index, in the background)."))
            .AppendLine();
        text.AppendLine("| scenario | writes/req | by command | scripts/req | KB received/req | by owner (MONITOR pass) |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var row in cluster)
        {
            var scripts = Spread.Of(row.RedisWrites.Select(r => r.ScriptsPerRequest));
            var received = Spread.Of(row.RedisWrites.Select(r => r.InputBytesPerRequest / 1024));
            text.AppendLine(Invariant($"| {row.Scenario} | {row.Extra(RedisRunWrites.ExtraName).Format("0.00")} | {RedisRunWrites.DescribeByCommand(row.RedisWrites)} | {scripts.Format("0.00")} | {received.Format("0.0")} | ",
                $"{(row.Sample is { } sample ? Invariant($"{sample.WritesPerRequest:0.00}: {sample.Describe()} ({sample.Requests} requests)") : "n/a")} |"));
        }

        var targets = ClusterTargets();
        if (targets.Count > 0)
        {
            text.AppendLine().AppendLine("#### The issue's targets for the cluster").AppendLine();
            foreach (var line in targets)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
            }
        }
    }

    /// <summary>An order row's throughput against its hand-written baseline's, and how many pairs of runs met the target.</summary>
    private static string OrderTarget(string where, string baselineWhere, ScenarioResult order, ScenarioResult baseline, double target)
    {
        var ratio = Ratio(order, baseline);
        var within = order.Runs.Zip(baseline.Runs).Count(p => p.First.RequestsPerSecond / p.Second.RequestsPerSecond >= target);
        return Invariant($"Order (3 interested, 2 decline) {where}: {ratio:P1} of the hand-written fan-out {baselineWhere} ",
            $"({order.Of(r => r.RequestsPerSecond).Median:N0} vs {baseline.Of(r => r.RequestsPerSecond).Median:N0} req/s); target ≥ {target:P0}: ",
            $"{(ratio >= target ? "met" : "NOT met")} by the medians, within it in {within} of {order.Runs.Count} pairs of runs.");
    }

    private static double Ratio(ScenarioResult a, ScenarioResult b) => a.Of(r => r.RequestsPerSecond).Median / b.Of(r => r.RequestsPerSecond).Median;

    private static string Invariant(params FormattableString[] parts) => string.Concat(parts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
}
