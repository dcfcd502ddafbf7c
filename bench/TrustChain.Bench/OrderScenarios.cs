using System.Text.Json;
using TrustChain.Hosting;

namespace TrustChain.Bench;

/// <summary>The order.placed-like task (3 interested no-op workers, 2 decliners) on each engine, and its baselines.</summary>
internal static class OrderScenarios
{
    public const string Name = "order";
    public const string Embedded = "order (3 interested, 2 decline)";
    public const string Baseline = "order by hand: Task.WhenAll of 3 delegates";

    private static readonly JsonElement Payload = BenchTopics.OrderPayload(1);

    public static async Task<ScenarioResult> EmbeddedAsync(BenchSettings settings, EmbeddedVariant variant)
    {
        await using var node = await BenchNode.StartAsync("bench-embedded", b => variant.Configure(b.AddBenchWorkers()));
        var dispatcher = node.Dispatcher;
        var runs = await Measure.RunsAsync(settings, settings.Requests, settings.Concurrency,
            async _ => Measure.IsOrderDone(await dispatcher.DispatchAsync(BenchTopics.Order, Payload)));
        return new ScenarioResult(Embedded, $"embedded ({variant.Name})", runs);
    }

    /// <summary>The same fan-out written by hand in one process: three concurrent delegates, their results joined.</summary>
    public static async Task<ScenarioResult> BaselineAsync(BenchSettings settings)
    {
        var result = JsonSerializer.SerializeToElement(new { ok = true });
        Func<JsonElement, Task<JsonElement>>[] workers = [.. Enumerable.Range(0, 3).Select(_ => (Func<JsonElement, Task<JsonElement>>)(p => Task.Run(() => result)))];
        var runs = await Measure.RunsAsync(settings, settings.Requests, settings.Concurrency, async _ =>
        {
            var results = await Task.WhenAll(workers.Select(w => w(Payload)));
            return results.Length == 3;
        });
        return new ScenarioResult(Baseline, "in-process", runs);
    }

    /// <summary>Two silo processes, this process dispatching; counts what the broker moved per request.</summary>
    public static async Task<ScenarioResult> RabbitMqAsync(BenchSettings settings, RabbitMqCluster cluster)
    {
        var dispatcher = cluster.Dispatcher.Dispatcher;
        Func<int, Task<bool>> order = async _ => Measure.IsOrderDone(await dispatcher.DispatchAsync(BenchTopics.Order, Payload));
        await Load.RunAsync(BenchSettings.WarmUp(settings.RabbitMqRequests), settings.Concurrency, order);
        var runs = new List<RunResult>();
        for (var i = 0; i < settings.Runs; i++)
        {
            var before = await BrokerCounters.ReadAsync(settings.RabbitMqCtl);
            var run = await Load.RunAsync(settings.RabbitMqRequests, settings.Concurrency, order);
            var after = await BrokerCounters.ReadAsync(settings.RabbitMqCtl);
            if (before is { } b && after is { } a)
            {
                run = run with
                {
                    Extra = new Dictionary<string, double>
                    {
                        ["published/req"] = (double)(a.Published - b.Published) / run.Requests,
                        ["delivered/req"] = (double)(a.Delivered - b.Delivered) / run.Requests,
                    },
                };
            }

            runs.Add(run);
        }

        return new ScenarioResult(Embedded, "RabbitMQ (2 silo processes + dispatcher)", runs);
    }
}
