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

    /// <summary>
    /// The order on a silo per variant, all of them started, and on each silo the same fan-out by hand, every one
    /// in turns with the others: for each variant its baseline then its order, the variants one after the other, and
    /// the next round the other way round. The signed and unsigned rows are compared with each other, so they are
    /// measured side by side like a row and its baseline: measured one after the other, a drift of the machine's
    /// load between them moved their ratio (on 2026-12-03 the signed silo's own baseline ran 27 % slower than the
    /// unsigned one's, in the same run).
    /// </summary>
    public static async Task<IReadOnlyList<ScenarioResult>> EmbeddedAsync(BenchSettings settings, IReadOnlyList<EmbeddedVariant> variants)
    {
        var silos = new List<BenchSilo>();
        try
        {
            foreach (var variant in variants)
            {
                silos.Add(await BenchSilo.StartAsync(settings, $"bench-order-{variant.Name}", silo: variant.Configure));
            }

            var turns = silos.SelectMany(silo => new Measure.Turn[]
            {
                new(_ => OrderByHandAsync(silo.Grains)),
                new(async _ => Measure.IsOrderDone(await silo.Dispatcher.DispatchAsync(BenchTopics.Order, Payload))),
            }).ToList();
            var runs = await Measure.InTurnsAsync(settings.ThroughputRuns, settings.Requests, settings.Concurrency, turns);
            return
            [
                .. variants.Select((variant, i) => new ScenarioResult(Embedded, EngineOf(variant), runs[(2 * i) + 1])
                {
                    Baseline = new ScenarioResult(Baseline, BaselineEngineOf(variant), runs[2 * i]),
                }),
            ];
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>The order by hand: true when its 3 interested workers answered.</summary>
    public static async Task<bool> OrderByHandAsync(IGrainFactory grains) =>
        await ByHandAsync(grains, BenchTopics.Interested.Length, BenchTopics.Decliners.Length) == BenchTopics.Interested.Length;

    /// <summary>
    /// The same fan-out written by hand: a requester grain of its own per request calling <paramref name="interested"/> +
    /// <paramref name="declining"/> worker grains; the number of results.
    /// </summary>
    public static Task<int> ByHandAsync(IGrainFactory grains, int interested, int declining) =>
        grains.GetGrain<IFanOutRequesterGrain>(Guid.NewGuid().ToString("N")).AskAsync(interested, declining, Payload);
}
