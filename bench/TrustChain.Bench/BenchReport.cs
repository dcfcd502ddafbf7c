using System.Globalization;
using System.Text;

namespace TrustChain.Bench;

/// <summary>
/// The run's own markdown: the machine, the settings, the delivery comparison against the hand-written baseline with
/// the issue's targets, the idle CPU, then one row per scenario and the headline ratios.
/// </summary>
internal sealed class BenchReport(BenchSettings settings, BenchMachine machine, IReadOnlyList<ScenarioResult> rows, IReadOnlyList<IdleCpuResult> idle)
{
    /// <summary>The issue's targets for the default delivery.</summary>
    public const double TargetNoInterestP99Ms = 5;
    public const double TargetIdlePercent = 2;

    public const string BeginMarker = "<!-- bench:results:begin (written by bench/run.sh; edits inside are overwritten) -->";
    public const string EndMarker = "<!-- bench:results:end -->";

    public IReadOnlyList<ScenarioResult> Rows => rows;

    public IReadOnlyList<IdleCpuResult> Idle => idle;

    public ScenarioResult? Find(string scenario, string engine) =>
        rows.FirstOrDefault(r => r.Scenario == scenario && r.Engine == engine);

    /// <summary>The NoInterest rows by delivery, with their p50 and p99 against those of the baseline measured in turns with them.</summary>
    public IReadOnlyList<(ScenarioResult Row, double P50Ratio, double P99Ratio)> DeliveryComparison() =>
    [
        .. rows.Where(r => r.Scenario == LatencyScenarios.NoInterestName).Select(r => (r, r.RatioToBaseline(x => x.P50Ms), r.RatioToBaseline(x => x.P99Ms))),
    ];

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

        if (idle.FirstOrDefault(i => i.Label == BenchDelivery.BroadcastChannel.Label) is { } quiet)
        {
            var percent = quiet.Percent;
            var within = quiet.PercentOfCore.Count(p => p < TargetIdlePercent);
            lines.Add(Invariant($"Idle silo on the default delivery: {percent.Format("0.00")} % of one core; target < {TargetIdlePercent:0} %: ",
                $"{(percent.Median < TargetIdlePercent ? "met" : "NOT met")} by the median of the windows, within it in {within} of {quiet.PercentOfCore.Count} windows",
                $"{(idle.FirstOrDefault(i => i.Label == IdleCpuScenario.PlainLabel) is { } plain ? Invariant($" (a plain Orleans silo: {plain.Percent.Format("0.00")} %)") : "")}."));
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
            .Select(d => rows.FirstOrDefault(r => r.Scenario == LatencyScenarios.NestedName(d)) is { } n ? Invariant($"depth {d}: {n.Extra("ms/level").Median:0.000}") : null)
            .OfType<string>()
            .ToList();
        if (nested.Count > 0)
        {
            lines.Add($"Nested, p50 ms per level: {string.Join(", ", nested)}.");
        }

        if (rows.FirstOrDefault(r => r.Scenario.EndsWith(InFlightScenario.Name, StringComparison.Ordinal)) is { } inFlight)
        {
            lines.Add(Invariant($"{inFlight.Scenario}: {inFlight.Extra("heap bytes/in-flight").Format("N0")} heap bytes per in-flight request, ",
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
            $"{settings.InFlight:N0} in flight × {settings.InFlightRuns} runs; idle CPU over {settings.IdleRuns} windows of {settings.IdleWindow.TotalSeconds:0.#} s after {settings.IdleSettle.TotalSeconds:0.#} s of settling."));
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

        var targets = Targets();
        if (targets.Count > 0)
        {
            text.AppendLine().AppendLine("#### The issue's targets for the default").AppendLine();
            foreach (var line in targets)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
            }
        }

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

    private static double Ratio(ScenarioResult a, ScenarioResult b) => a.Of(r => r.RequestsPerSecond).Median / b.Of(r => r.RequestsPerSecond).Median;

    private static string Invariant(params FormattableString[] parts) => string.Concat(parts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
}
