using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace TrustChain.Bench;

/// <summary>The run's own markdown: the machine, the settings, one row per scenario and engine, and the headline ratios.</summary>
internal sealed class BenchReport(BenchSettings settings, IReadOnlyList<ScenarioResult> rows, IReadOnlyList<string> notes)
{
    public IReadOnlyList<ScenarioResult> Rows => rows;

    public ScenarioResult? Find(string scenario, string enginePrefix) =>
        rows.FirstOrDefault(r => r.Scenario == scenario && r.Engine.StartsWith(enginePrefix, StringComparison.Ordinal));

    public IReadOnlyList<string> Headlines()
    {
        var lines = new List<string>();
        var baseline = Find(OrderScenarios.Baseline, "in-process");
        foreach (var variant in EmbeddedVariant.All)
        {
            if (Find(OrderScenarios.Embedded, $"embedded ({variant.Name})") is { } embedded && baseline is not null)
            {
                lines.Add(Invariant($"Embedded ({variant.Name}) throughput is {Ratio(embedded, baseline):P1} of the hand-written Task.WhenAll fan-out ",
                    $"({embedded.Of(r => r.RequestsPerSecond).Median:N0} vs {baseline.Of(r => r.RequestsPerSecond).Median:N0} req/s)."));
            }
        }

        if (Find(OrderScenarios.Embedded, $"embedded ({EmbeddedVariant.Signed.Name})") is { } signed
            && Find(OrderScenarios.Embedded, $"embedded ({EmbeddedVariant.Unsigned.Name})") is { } unsigned)
        {
            var extraBytes = signed.Of(r => r.AllocatedBytesPerRequest).Median - unsigned.Of(r => r.AllocatedBytesPerRequest).Median;
            lines.Add(Invariant($"Signing: signed throughput is {Ratio(signed, unsigned):P1} of unsigned in the same run; {extraBytes:N0} bytes more allocated per request."));
        }

        var raw = Find(RawBrokerScenario.Name, "RabbitMQ.Client");
        if (Find(OrderScenarios.Embedded, "RabbitMQ") is { } rabbit)
        {
            var published = rabbit.Extra("published/req");
            var delivered = rabbit.Extra("delivered/req");
            if (!double.IsNaN(published.Median))
            {
                lines.Add(Invariant($"RabbitMQ: {published.Format("0.0")} messages published and {delivered.Format("0.0")} delivered by the broker per request."));
            }

            if (raw is not null && !double.IsNaN(published.Median))
            {
                var rate = raw.Of(r => r.RequestsPerSecond).Median;
                var efficiency = rabbit.Of(r => r.RequestsPerSecond).Median * published.Median / rate;
                lines.Add(Invariant($"RabbitMQ efficiency (req/s × published msgs/req ÷ raw msgs/s): {efficiency:P1} ",
                    $"({rabbit.Of(r => r.RequestsPerSecond).Median:N0} req/s × {published.Median:0.0} ÷ {rate:N0} msgs/s)."));
            }
        }

        foreach (var row in rows.Where(r => r.Scenario == LatencyScenarios.NoInterestName))
        {
            lines.Add(Invariant($"NoInterest on {row.Engine}: p50 {row.Of(r => r.P50Ms).Median:0.000} ms, p99 {row.Of(r => r.P99Ms).Median:0.000} ms, ",
                $"vs the seed's fixed {LatencyScenarios.SeedWindow.TotalMilliseconds:0} ms ({LatencyScenarios.SeedWindow.TotalMilliseconds / row.Of(r => r.P50Ms).Median:N0}× sooner at p50)."));
        }

        foreach (var engine in rows.Where(r => r.Scenario.StartsWith("nested", StringComparison.Ordinal)).Select(r => r.Engine).Distinct())
        {
            var perLevel = LatencyScenarios.Depths
                .Select(d => Find(LatencyScenarios.NestedName(d), engine) is { } n ? Invariant($"depth {d}: {n.Extra("ms/level").Median:0.000}") : null)
                .OfType<string>();
            lines.Add($"Nested on {engine}, p50 ms per level: {string.Join(", ", perLevel)}.");
        }

        if (rows.FirstOrDefault(r => r.Scenario.EndsWith(InFlightScenario.Name, StringComparison.Ordinal)) is { } inFlight)
        {
            lines.Add(Invariant($"{inFlight.Scenario}: {inFlight.Extra("heap bytes/in-flight").Format("N0")} heap bytes per in-flight request, ",
                $"peak working set {inFlight.Of(r => r.PeakWorkingSetMb).Format("N0")} MB."));
        }

        if (Find(WebApiScenario.Name, "embedded, HTTP") is { } http && Find(WebApiScenario.Name, "embedded, same node") is { } direct)
        {
            lines.Add(Invariant($"Web API over HTTP: {Ratio(http, direct):P1} of the direct dispatcher's throughput; p50 {http.Of(r => r.P50Ms).Median:0.000} ms vs {direct.Of(r => r.P50Ms).Median:0.000} ms."));
        }

        return lines;
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC."));
        text.AppendLine(Invariant($"Settings: {settings.Runs} measured runs per figure after a warm-up; {settings.Requests} requests × {settings.Concurrency} callers (embedded, API), ",
            $"{settings.RabbitMqRequests} (RabbitMQ), {settings.LatencyRequests} one at a time (NoInterest, nested), {settings.InFlight:N0} in flight × {settings.InFlightRuns} runs."));
        text.AppendLine("Each cell: median (min–max) of the runs.");
        text.AppendLine();
        text.AppendLine("| scenario | engine | req/s | p50 ms | p99 ms | max ms | alloc B/req | peak WS MB | failed | more |");
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

        foreach (var note in notes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
        }

        return text.ToString();
    }

    private static double Ratio(ScenarioResult a, ScenarioResult b) => a.Of(r => r.RequestsPerSecond).Median / b.Of(r => r.RequestsPerSecond).Median;

    private static string Invariant(params FormattableString[] parts) => string.Concat(parts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
}
