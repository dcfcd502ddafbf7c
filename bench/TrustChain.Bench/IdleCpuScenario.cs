using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;

namespace TrustChain.Bench;

/// <summary>One silo's idle CPU: process CPU time over fixed real-time windows, as % of one core.</summary>
internal sealed record IdleCpuResult(string Label, IReadOnlyList<double> PercentOfCore, TimeSpan Window, string Where)
{
    public Spread Percent => Spread.Of(PercentOfCore);
}

/// <summary>
/// How much CPU a silo burns doing nothing, by delivery: a silo process of its own (this tool in <c>idle-silo</c>
/// mode) serves a few requests, settles, then its CPU time is read over fixed real-time windows. A process of its own,
/// so that nothing else of the bench is counted; CPU time is the process's own, so other load on the machine hardly
/// inflates it. A plain Orleans silo without TrustChain gives the floor.
/// </summary>
internal static class IdleCpuScenario
{
    public const string Name = "idle";
    public const string Plain = "plain";
    public const string PlainLabel = "plain Orleans silo, no TrustChain";
    private const string Ready = "bench idle silo ready";

    /// <summary>What is measured, in this order: the floor, then each delivery.</summary>
    public static IReadOnlyList<string> Targets { get; } = [Plain, BenchDelivery.BroadcastChannel.Name, BenchDelivery.Streams.Name, BenchDelivery.Streams1Ms.Name];

    public static string LabelOf(string target) => target == Plain ? PlainLabel : BenchDelivery.Parse(target).Label;

    /// <summary>
    /// Every target's idle CPU. Each silo is a process of its own, all started together and measured over the same
    /// windows (they are idle, so they hardly compete; CPU time is each process's own). The smoke tests measure
    /// silos in this process instead, one after the other.
    /// </summary>
    public static async Task<IReadOnlyList<IdleCpuResult>> RunAsync(BenchSettings settings, IReadOnlyList<string> targets)
    {
        var results = new List<IdleCpuResult>();
        if (settings.SilosInProcess)
        {
            foreach (var target in targets)
            {
                await using var silo = await StartAsync(target);
                await SettleAsync(settings);
                using var self = Process.GetCurrentProcess();
                results.Add(new IdleCpuResult(LabelOf(target), (await MeasureAsync([self], settings))[0], settings.IdleWindow, "this process"));
            }

            return results;
        }

        var children = new List<BenchChildProcess>();
        try
        {
            foreach (var target in targets)
            {
                children.Add(BenchChildProcess.Start($"idle silo ({target})", ["idle-silo", target]));
            }

            await Task.WhenAll(children.Select(c => c.ReadyAsync(Ready, TimeSpan.FromMinutes(2))));
            await SettleAsync(settings);
            var measured = await MeasureAsync([.. children.Select(c => c.Process)], settings);
            return [.. targets.Select((t, i) => new IdleCpuResult(LabelOf(t), measured[i], settings.IdleWindow, "a silo process of its own"))];
        }
        finally
        {
            await Task.WhenAll(children.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    /// <summary><c>TrustChain.Bench idle-silo TARGET</c>: the silo the bench measures; stops when its standard input closes.</summary>
    public static async Task ChildAsync(string target)
    {
        await using var silo = await StartAsync(target);
        Console.WriteLine(Ready);
        await BenchChildProcess.InputClosedAsync();
    }

    /// <summary>A silo of <paramref name="target"/>, after a few requests (so that what they activate is there).</summary>
    private static async Task<IAsyncDisposable> StartAsync(string target)
    {
        if (target == Plain)
        {
            return await PlainSilo.StartAsync();
        }

        var silo = await BenchSilo.StartAsync(new BenchSettings(), $"bench-idle-{target}", BenchDelivery.Parse(target));
        var payload = BenchTopics.OrderPayload(1);
        for (var i = 0; i < 10; i++)
        {
            await silo.Dispatcher.DispatchAsync(BenchTopics.Nobody, payload);
            await silo.Dispatcher.DispatchAsync(BenchTopics.Order, payload);
        }

        return silo;
    }

    private static Task SettleAsync(BenchSettings settings) => settings.IdleSettle > TimeSpan.Zero ? Task.Delay(settings.IdleSettle) : Task.CompletedTask;

    /// <summary>Each process's CPU time over the same real-time windows, as % of one core: one list per process.</summary>
    private static async Task<IReadOnlyList<IReadOnlyList<double>>> MeasureAsync(List<Process> processes, BenchSettings settings)
    {
        var percents = processes.Select(_ => new List<double>()).ToList();
        for (var run = 0; run < settings.IdleRuns; run++)
        {
            var before = processes.Select(p =>
            {
                p.Refresh();
                return p.TotalProcessorTime;
            }).ToList();
            var started = Stopwatch.GetTimestamp();
            await Task.Delay(settings.IdleWindow);
            var elapsed = Stopwatch.GetElapsedTime(started);
            for (var i = 0; i < processes.Count; i++)
            {
                processes[i].Refresh();
                percents[i].Add(100 * (processes[i].TotalProcessorTime - before[i]).TotalSeconds / elapsed.TotalSeconds);
            }
        }

        return percents;
    }

    /// <summary>Orleans alone: localhost clustering and the baseline's grains, nothing of TrustChain.</summary>
    private sealed class PlainSilo(IHost host) : IAsyncDisposable
    {
        public static async Task<PlainSilo> StartAsync()
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Error);
            builder.UseOrleans(silo => silo.UseBenchClustering());
            var host = builder.Build();
            await host.StartAsync();
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var payload = JsonSerializer.SerializeToElement(new { n = 1 });
            for (var i = 0; i < 10; i++)
            {
                await grains.GetGrain<IFanOutRequesterGrain>(Guid.NewGuid().ToString("N")).AskAsync(3, 2, payload);
            }

            return new PlainSilo(host);
        }

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
