using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using TrustChain.Demo;
using TrustChain.Demo.Hosting;
using TrustChain.Hosting;
using TrustChain.Workers;

namespace TrustChain.Bench;

/// <summary>
/// Retained memory (issue 15): the process's memory after <see cref="Options.Requests"/> requests of
/// <see cref="Options.PayloadBytes"/> each, next to <c>TrustChain:MaxRetainedBytes</c>. One silo in this process (the
/// embedded default: localhost clustering, memory storage), its demo workers and an echo worker. Two shapes:
/// <list type="bullet">
/// <item><see cref="Shape.Payload"/>: 1 MB order bodies on <c>order.placed</c> (fraud and loyalty interested), small
/// results: what stays is what the grains keep of the payload once the request ended (nothing, by design).</item>
/// <item><see cref="Shape.Result"/>: 1 MB bodies on <c>bench.echo</c>, whose worker returns them: each ended request
/// retains 1 MB of results, which <c>MaxRetainedBytes</c> bounds.</item>
/// </list>
/// Run each setting in a fresh process (RSS does not shrink back within one): memory is read after a full blocking,
/// compacting collection, with the activations per grain type. Hook: add <c>"retained"</c> to the bench's scenarios,
/// spawning the bench once per (shape, setting) with <c>--only retained --retained-shape … --max-retained-bytes …</c>,
/// each child calling <see cref="RunAsync"/> and printing <see cref="Result.ToMarkdownRow"/>.
/// </summary>
internal static class RetainedMemoryScenario
{
    public const string Name = "retained";

    public const string EchoTopic = "bench.echo";

    public enum Shape
    {
        Payload,
        Result,
    }

    public sealed record Options(Shape Shape = Shape.Payload, int Requests = 2000, int PayloadBytes = 1024 * 1024, long? MaxRetainedBytes = null, int Concurrency = 8);

    public sealed record Result(Options Options, long Setting, long RssBefore, long RssAfter, long HeapAfter, RetainedRequests Index, IReadOnlyDictionary<string, int> Activations, TimeSpan Elapsed)
    {
        public static string MarkdownHeader =>
            "| shape | requests × size | MaxRetainedBytes | retained (index) | RSS before → after | managed heap after | worker activations left | time |\n"
            + "| --- | --- | --- | --- | --- | --- | --- | --- |";

        public string ToMarkdownRow() => string.Create(
            CultureInfo.InvariantCulture,
            $"| {Options.Shape} | {Options.Requests:N0} × {Options.PayloadBytes / 1024:N0} KiB | {Mib(Setting)} | {Index.Ended:N0} ended, {Mib(Index.Bytes)} | {Mib(RssBefore)} → {Mib(RssAfter)} | {Mib(HeapAfter)} | {WorkerActivations:N0} | {Elapsed.TotalSeconds:N1} s |");

        /// <summary>Activations of worker grain classes still alive: parts of ended requests not yet let go.</summary>
        public int WorkerActivations => Activations
            .Where(a => Type.GetType(a.Key) is { } type && type.IsSubclassOf(typeof(WorkerGrain)))
            .Sum(a => a.Value);

        /// <summary>The rows' section of docs/benchmarks.md, between its own markers (bench/run.sh writes it).</summary>
        public const string BeginMarker = "<!-- bench:retained:begin (written by bench/run.sh; edits inside are overwritten) -->";
        public const string EndMarker = "<!-- bench:retained:end -->";

        private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):N1} MiB");
    }

    public static async Task<Result> RunAsync(Options options, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        var (siloPort, gatewayPort) = LoopbackPorts.TakeSiloAndGateway();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort, gatewayPort)
            .AddTrustChain(o =>
            {
                o.NodeId = "bench-retained";
                o.Workers = [FraudWorker.WorkerName, LoyaltyWorker.WorkerName, InventoryWorker.WorkerName, EchoWorker.WorkerName];
                if (options.MaxRetainedBytes is { } max)
                {
                    o.MaxRetainedBytes = max;
                }
            })
            .AddDemoWorkers());
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var setting = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TrustChainOptions>>().Value.MaxRetainedBytes;
            var dispatcher = host.Services.GetRequiredService<ITrustChainDispatcher>();
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var rssBefore = Settle();
            var note = new string('x', Math.Max(0, options.PayloadBytes - 200));
            var topic = options.Shape == Shape.Payload ? DemoTopics.OrderPlaced : EchoTopic;

            var clock = Stopwatch.StartNew();
            var next = -1;
            var failures = 0;
            await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < options.Requests)
                {
                    // A body of its own per request, as each HTTP body is parsed on its own.
                    var outcome = await dispatcher.DispatchAsync(topic, Payload(options.Shape, i, note));
                    if (outcome.Status != RequestStatus.Completed)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }));
            clock.Stop();
            if (failures > 0)
            {
                await progress.WriteLineAsync($"retained: {failures} of {options.Requests} requests did not complete");
            }

            // Decisions, acknowledgements and deactivations are one-way and come in within moments of the last outcome:
            // a short pause (a benchmark's, not a test's), then memory is read.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var index = await grains.GetGrain<IRequestIndexGrain>(IRequestIndexGrain.Key).RetainedAsync();
            var statistics = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
            var activations = statistics.GroupBy(s => s.GrainType, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(s => s.ActivationCount), StringComparer.Ordinal);
            var rssAfter = Settle();
            var heap = GC.GetTotalMemory(forceFullCollection: true);
            return new Result(options, setting, rssBefore, rssAfter, heap, index, activations, clock.Elapsed);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>A body of about <see cref="Options.PayloadBytes"/>: a demo order with a long note, or the note alone for the echo.</summary>
    private static JsonElement Payload(Shape shape, int i, string note)
    {
        object body = shape == Shape.Payload
            ? new { orderId = $"o-{i}", customerId = "c-bench", amount = 1500, note }
            : new { orderId = $"o-{i}", note };
        return JsonSerializer.SerializeToElement(body);
    }

    /// <summary>The process's resident set after a full, blocking, compacting collection.</summary>
    private static long Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }
}

/// <summary>Returns its payload as its result: each ended request then retains what it was sent.</summary>
[TrustChainWorker(WorkerName, RetainedMemoryScenario.EchoTopic)]
internal sealed class EchoWorker : WorkerGrain
{
    public const string WorkerName = "bench-echo";

    protected override ValueTask<bool> IsInterestedInTaskAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(true);

    protected override Task<JsonElement?> HandleTaskAsync(JsonElement payload, IWorkerContext context) => Task.FromResult<JsonElement?>(payload);
}
