using System.Text.Json;

namespace TrustChain.Bench;

/// <summary>Latency one request at a time: nobody interested, and nested chains of depth 1, 3 and 5.</summary>
internal static class LatencyScenarios
{
    public const string NoInterestName = "nobody interested (2 decline)";
    public static readonly int[] Depths = [1, 3, 5];

    /// <summary>The seed's fixed window a NoInterest answer would wait for.</summary>
    public static readonly TimeSpan SeedWindow = TimeSpan.FromMilliseconds(500);

    private static readonly JsonElement Payload = BenchTopics.OrderPayload(1);

    public static async Task<ScenarioResult> NoInterestAsync(BenchSettings settings, ITrustChainDispatcher dispatcher, string engine)
    {
        var runs = await Measure.RunsAsync(settings, settings.LatencyRequests, 1,
            async _ => (await dispatcher.DispatchAsync(BenchTopics.Nobody, Payload)).Status == RequestStatus.NoInterest);
        return new ScenarioResult(NoInterestName, engine, runs, $"seed: fixed {SeedWindow.TotalMilliseconds:0} ms window");
    }

    public static async Task<IReadOnlyList<ScenarioResult>> NestedAsync(BenchSettings settings, ITrustChainDispatcher dispatcher, string engine)
    {
        var rows = new List<ScenarioResult>();
        foreach (var depth in Depths)
        {
            var payload = BenchTopics.NestedPayload(depth);
            var runs = await Measure.RunsAsync(settings, settings.LatencyRequests, 1,
                async _ => (await dispatcher.DispatchAsync(BenchTopics.Nested(1), payload)).Status == RequestStatus.Completed);
            rows.Add(new ScenarioResult(NestedName(depth), engine,
                [.. runs.Select(r => r with { Extra = new Dictionary<string, double> { ["ms/level"] = r.P50Ms / depth } })]));
        }

        return rows;
    }

    public static string NestedName(int depth) => $"nested depth {depth}";
}
