using System.Text.Json;

namespace TrustChain.Bench;

/// <summary>The order.placed-like task (3 interested no-op workers, 2 decliners) on a silo, in turns with its hand-written baseline.</summary>
internal static class OrderScenarios
{
    public const string Name = "order";
    public const string Embedded = "order (3 interested, 2 decline)";
    public const string Baseline = "order by hand: a requester grain calling 5 worker grains (3 answer, 2 decline)";

    private static readonly JsonElement Payload = BenchTopics.OrderPayload(1);

    public static string EngineOf(EmbeddedVariant variant) => $"silo, BroadcastChannel ({variant.Name})";

    public static string BaselineEngineOf(EmbeddedVariant variant) => $"Orleans grain calls, on the {variant.Name} silo";

    /// <summary>The order on a silo of <paramref name="variant"/>, and on the same silo in turns the same fan-out by hand.</summary>
    public static async Task<ScenarioResult> EmbeddedAsync(BenchSettings settings, EmbeddedVariant variant)
    {
        await using var silo = await BenchSilo.StartAsync(settings, "bench-order", silo: variant.Configure);
        var dispatcher = silo.Dispatcher;
        var grains = silo.Grains;
        var (runs, baseline) = await Measure.PairedRunsAsync(settings.ThroughputRuns, settings.Requests, settings.Concurrency,
            async _ => Measure.IsOrderDone(await dispatcher.DispatchAsync(BenchTopics.Order, Payload)),
            _ => OrderByHandAsync(grains));
        return new ScenarioResult(Embedded, EngineOf(variant), runs) { Baseline = new ScenarioResult(Baseline, BaselineEngineOf(variant), baseline) };
    }

    /// <summary>
    /// The same fan-out written by hand: a requester grain of its own per request calling <paramref name="interested"/> +
    /// <paramref name="declining"/> worker grains; the number of results.
    /// </summary>
    /// <summary>The order by hand: true when its 3 interested workers answered.</summary>
    public static async Task<bool> OrderByHandAsync(IGrainFactory grains) =>
        await ByHandAsync(grains, BenchTopics.Interested.Length, BenchTopics.Decliners.Length) == BenchTopics.Interested.Length;

    public static Task<int> ByHandAsync(IGrainFactory grains, int interested, int declining) =>
        grains.GetGrain<IFanOutRequesterGrain>(Guid.NewGuid().ToString("N")).AskAsync(interested, declining, Payload);
}
