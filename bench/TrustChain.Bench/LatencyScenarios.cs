namespace TrustChain.Bench;

/// <summary>
/// Latency one request at a time: nobody interested (on a silo per delivery, in turns with the hand-written fan-out
/// to two declining grains on the same silo), and nested chains of depth 1, 3 and 5.
/// </summary>
internal static class LatencyScenarios
{
    public const string NoInterestName = "nobody interested (2 decline)";
    public const string NoInterestBaselineName = "nobody interested by hand: a requester grain calling 2 worker grains that decline";
    public static readonly int[] Depths = [1, 3, 5];

    /// <summary>The seed's fixed window a NoInterest answer would wait for.</summary>
    public static readonly TimeSpan SeedWindow = TimeSpan.FromMilliseconds(500);

    private static readonly System.Text.Json.JsonElement Payload = BenchTopics.OrderPayload(1);

    /// <param name="label">The silo's delivery, as the row names it.</param>
    /// <param name="polledSlowly">The delivery waits for a slow poll: fewer requests and runs.</param>
    public static async Task<ScenarioResult> NoInterestAsync(BenchSettings settings, BenchSilo silo, string label, bool polledSlowly = false)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var dispatcher = silo.Dispatcher;
        var grains = silo.Grains;
        var (runs, baseline) = await Measure.PairedRunsAsync(
            polledSlowly ? settings.PolledRuns : settings.Runs,
            polledSlowly ? settings.PolledLatencyRequests : settings.LatencyRequests,
            1,
            async _ => (await dispatcher.DispatchAsync(BenchTopics.Nobody, Payload)).Status == RequestStatus.NoInterest,
            async _ => await OrderScenarios.ByHandAsync(grains, 0, BenchTopics.Decliners.Length) == 0);
        return new ScenarioResult(NoInterestName, label, runs)
        {
            Baseline = new ScenarioResult(NoInterestBaselineName, $"Orleans grain calls, on the {label} silo", baseline),
        };
    }

    /// <summary>
    /// The chains of every depth in turns (1, 3, 5, then 5, 3, 1, …), since depth 5 is read against depth 1: measured
    /// one depth after the other, a drift of the machine's load between them moved their ratio. Each depth next to the
    /// same chain written by hand on the same silo (a requester and a worker grain per level), so that what the
    /// depth costs Orleans itself shows beside what it costs TrustChain.
    /// </summary>
    public static async Task<IReadOnlyList<ScenarioResult>> NestedAsync(BenchSettings settings, BenchSilo silo, string label)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var dispatcher = silo.Dispatcher;
        var grains = silo.Grains;
        var turns = Depths.SelectMany(depth =>
        {
            var payload = BenchTopics.NestedPayload(depth);
            return new[]
            {
                new Measure.Turn(async _ => (await dispatcher.DispatchAsync(BenchTopics.Nested(1), payload)).Status == RequestStatus.Completed),
                new Measure.Turn(_ => grains.GetGrain<IChainRequesterGrain>(Guid.NewGuid().ToString("N")).AskAsync(1, depth, payload)),
            };
        }).ToList();
        var runs = await Measure.InTurnsAsync(settings.Runs, settings.NestedRequests, 1, turns);
        return
        [
            .. Depths.Select((depth, i) => new ScenarioResult(NestedName(depth), label, PerLevel(runs[2 * i], depth))
            {
                Baseline = new ScenarioResult(NestedBaselineName(depth), "Orleans grain calls, on the same silo", PerLevel(runs[(2 * i) + 1], depth)),
            }),
        ];
    }

    public static string NestedBaselineName(int depth) => $"nested depth {depth} by hand: a chain of requester and worker grains";

    /// <summary>The runs with their p50 per level of the chain.</summary>
    public static IReadOnlyList<RunResult> PerLevel(IReadOnlyList<RunResult> runs, int depth) =>
        [.. runs.Select(r => r with { Extra = new Dictionary<string, double>(r.Extra) { ["ms/level"] = r.P50Ms / depth } })];

    public static string NestedName(int depth) => $"nested depth {depth}";
}
