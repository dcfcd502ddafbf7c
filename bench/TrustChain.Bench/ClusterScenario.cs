using System.Diagnostics;
using System.Text.Json;

namespace TrustChain.Bench;

/// <summary>
/// The cluster rows: two silos on one Redis (membership, TrustChain's grain state and reminders there), this process
/// their Orleans client. The order, nobody-interested and nested scenarios, each in turns with the same work written
/// by hand as Orleans grains on the same two silos from the same client: a requester grain calling its worker grains
/// with <c>Task.WhenAll</c>, and for nested, a chain of requester and worker grains. Around every measured run, what
/// Redis wrote per request (<see cref="RedisWriteCounter"/>); after them, a pass per scenario watched with MONITOR
/// to tell who writes it.
/// </summary>
internal static class ClusterScenario
{
    public const string Name = "cluster";
    public const int Silos = 2;
    public const string Engine = "cluster: 2 silos on Redis, from an Orleans client";
    public const string BaselineEngine = "Orleans grain calls, across the same 2 silos from the client";
    public const string NoRedis = "The cluster rows need a Redis: --redis host:port (bash bench/run.sh starts a private redis-server and passes it), or leave them out with --only.";

    private static readonly JsonElement Payload = BenchTopics.OrderPayload(1);

    /// <summary>
    /// The cluster's signing, on silos and client alike: off, as in the embedded <c>unsigned</c> order row, so that
    /// what differs from that row is the cluster and Redis.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> SigningSettings { get; } =
    [
        new("TrustChain:Signing:Policy", "None"),
        new("TrustChain:Signing:SignReplies", "false"),
    ];

    public static IEnumerable<string> SigningArguments => SigningSettings.Select(s => $"--{s.Key}={s.Value}");

    public static async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchSettings settings, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        var redis = settings.Redis ?? throw new InvalidOperationException(NoRedis);
        var where = settings.SilosInProcess ? "silo hosts in this process" : "silo processes";
        await progress.WriteLineAsync($"[{DateTime.UtcNow:HH:mm:ss}]   cluster: starting {Silos} {where} on Redis {redis}");
        await using var nodes = await ClusterNodes.StartAsync(settings, redis, Silos);
        await using var counter = await RedisWriteCounter.ConnectAsync(redis);
        var dispatcher = nodes.Dispatcher;
        var grains = nodes.Grains;

        Func<int, Task<bool>> order = async _ => Measure.IsOrderDone(await dispatcher.DispatchAsync(BenchTopics.Order, Payload));
        Func<int, Task<bool>> orderByHand = async _ => await OrderScenarios.ByHandAsync(grains, BenchTopics.Interested.Length, BenchTopics.Decliners.Length) == BenchTopics.Interested.Length;
        Func<int, Task<bool>> nobody = async _ => (await dispatcher.DispatchAsync(BenchTopics.Nobody, Payload)).Status == RequestStatus.NoInterest;
        Func<int, Task<bool>> nobodyByHand = async _ => await OrderScenarios.ByHandAsync(grains, 0, BenchTopics.Decliners.Length) == 0;
        Func<int, Task<bool>> Nested(int depth)
        {
            var payload = BenchTopics.NestedPayload(depth);
            return async _ => (await dispatcher.DispatchAsync(BenchTopics.Nested(1), payload)).Status == RequestStatus.Completed;
        }

        Func<int, Task<bool>> ChainByHand(int depth)
        {
            var payload = BenchTopics.NestedPayload(depth);
            return _ => grains.GetGrain<IChainRequesterGrain>(Guid.NewGuid().ToString("N")).AskAsync(1, depth, payload);
        }

        // Fresh processes: every kind of request, for a while, and until the index retains as many requests as it
        // may (from then on each request makes it forget one: the steady state every measured row sees).
        await progress.WriteLineAsync($"[{DateTime.UtcNow:HH:mm:ss}]   cluster: warm-up");
        var started = Stopwatch.GetTimestamp();
        var requestGrains = 0;
        do
        {
            requestGrains += BenchSettings.WarmUp(settings.Requests) + BenchSettings.WarmUp(settings.LatencyRequests)
                + (BenchSettings.WarmUp(settings.NestedRequests) * LatencyScenarios.Depths[^1]);
            await Load.RunAsync(BenchSettings.WarmUp(settings.Requests), settings.Concurrency, order);
            await Load.RunAsync(BenchSettings.WarmUp(settings.Requests), settings.Concurrency, orderByHand);
            await Load.RunAsync(BenchSettings.WarmUp(settings.LatencyRequests), 1, nobody);
            await Load.RunAsync(BenchSettings.WarmUp(settings.LatencyRequests), 1, nobodyByHand);
            await Load.RunAsync(BenchSettings.WarmUp(settings.NestedRequests), 1, Nested(LatencyScenarios.Depths[^1]));
            await Load.RunAsync(BenchSettings.WarmUp(settings.NestedRequests), 1, ChainByHand(LatencyScenarios.Depths[^1]));
        }
        while (Stopwatch.GetElapsedTime(started) < settings.ClusterWarmUpTime || requestGrains <= settings.ClusterMaxRetainedRequests);

        Task<RunResult> Counted(Func<Task<RunResult>> run) => counter.MeasureAsync(run, settle: true);
        Task<RunResult> CountedAsIs(Func<Task<RunResult>> run) => counter.MeasureAsync(run, settle: false);
        var note = $"{where}, Redis on this machine";
        var rows = new List<ScenarioResult>();

        await progress.WriteLineAsync($"[{DateTime.UtcNow:HH:mm:ss}]   cluster: order, and by hand");
        var (orderRuns, orderBaseline) = await Measure.PairedRunsAsync(settings.ThroughputRuns, settings.Requests, settings.Concurrency, order, orderByHand, Counted, CountedAsIs);
        rows.Add(new ScenarioResult(OrderScenarios.Embedded, Engine, orderRuns, note) { Baseline = new ScenarioResult(OrderScenarios.Baseline, BaselineEngine, orderBaseline) });

        await progress.WriteLineAsync($"[{DateTime.UtcNow:HH:mm:ss}]   cluster: nobody interested, and by hand");
        var (nobodyRuns, nobodyBaseline) = await Measure.PairedRunsAsync(settings.Runs, settings.LatencyRequests, 1, nobody, nobodyByHand, Counted, CountedAsIs);
        rows.Add(new ScenarioResult(LatencyScenarios.NoInterestName, Engine, nobodyRuns, note) { Baseline = new ScenarioResult(LatencyScenarios.NoInterestBaselineName, BaselineEngine, nobodyBaseline) });

        foreach (var depth in LatencyScenarios.Depths)
        {
            await progress.WriteLineAsync($"[{DateTime.UtcNow:HH:mm:ss}]   cluster: nested depth {depth}, and by hand");
            var (nestedRuns, chainRuns) = await Measure.PairedRunsAsync(settings.Runs, settings.NestedRequests, 1, Nested(depth), ChainByHand(depth), Counted, CountedAsIs);
            rows.Add(new ScenarioResult(LatencyScenarios.NestedName(depth), Engine, LatencyScenarios.PerLevel(nestedRuns, depth), note)
            {
                Baseline = new ScenarioResult(LatencyScenarios.NestedBaselineName(depth), BaselineEngine, LatencyScenarios.PerLevel(chainRuns, depth)),
            });
        }

        // Who writes what: a pass per scenario watched with MONITOR (never a measured run: MONITOR costs Redis time).
        await progress.WriteLineAsync($"[{DateTime.UtcNow:HH:mm:ss}]   cluster: Redis writes by owner (MONITOR, {settings.ClusterSampleRequests} requests per scenario)");
        var samples = new List<RedisWriteSample>
        {
            await SampleAsync(counter, nodes.ServiceId, settings.ClusterSampleRequests, settings.Concurrency, order, progress),
            await SampleAsync(counter, nodes.ServiceId, settings.ClusterSampleRequests, 1, nobody, progress),
        };
        foreach (var depth in LatencyScenarios.Depths)
        {
            samples.Add(await SampleAsync(counter, nodes.ServiceId, settings.ClusterSampleRequests, 1, Nested(depth), progress));
        }

        return [.. rows.Select((row, i) => row with { Sample = samples[i] })];
    }

    private static async Task<RedisWriteSample> SampleAsync(RedisWriteCounter counter, string serviceId, int requests, int concurrency, Func<int, Task<bool>> operation, TextWriter progress)
    {
        RunResult? pass = null;
        var sample = await counter.SampleAsync(serviceId, requests, async () => pass = await Load.RunAsync(requests, concurrency, operation));
        if (pass is { Failed: > 0 } failed)
        {
            await progress.WriteLineAsync($"    {failed.Failed} of {requests} requests of the MONITOR pass did not end as expected");
        }

        return sample;
    }
}
