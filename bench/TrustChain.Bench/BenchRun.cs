namespace TrustChain.Bench;

/// <summary>Runs the selected scenarios on the selected engines, in a fixed order, and collects their rows.</summary>
internal static class BenchRun
{
    public const string Embedded = "embedded";
    public const string RabbitMq = "rabbitmq";

    public static readonly string[] Scenarios = [OrderScenarios.Name, "nointerest", "nested", "inflight", "api"];

    public static async Task<BenchReport> RunAsync(BenchSettings settings, IReadOnlyCollection<string> engines, TextWriter progress)
    {
        var rows = new List<ScenarioResult>();
        var notes = new List<string>();

        async Task Step(string what, Func<Task> step)
        {
            await progress.WriteLineAsync($"[{DateTime.UtcNow:HH:mm:ss}] {what}");
            await step();
        }

        if (engines.Contains(Embedded))
        {
            if (settings.Includes(OrderScenarios.Name))
            {
                await Step("baseline", async () => rows.Add(await OrderScenarios.BaselineAsync(settings)));
                foreach (var variant in EmbeddedVariant.All)
                {
                    await Step($"embedded order ({variant.Name})", async () => rows.Add(await OrderScenarios.EmbeddedAsync(settings, variant)));
                }
            }

            if (settings.Includes("nointerest") || settings.Includes("nested"))
            {
                await using var node = await BenchNode.StartAsync("bench-embedded", b => b.AddBenchWorkers());
                await LatencyAsync(settings, node.Dispatcher, "embedded", rows, Step);
            }

            if (settings.Includes("api"))
            {
                await Step("web api", async () => rows.AddRange(await WebApiScenario.RunAsync(settings)));
            }
        }

        if (engines.Contains(RabbitMq))
        {
            if (settings.RabbitMqUri is null)
            {
                notes.Add("RabbitMQ rows left out: no broker (TRUSTCHAIN_TEST_RABBITMQ_URI is not set; bench/run.sh provides one).");
            }
            else
            {
                if (settings.RabbitMqCtl is null)
                {
                    notes.Add("Broker messages per request not measured: no rabbitmqctl for this broker (TRUSTCHAIN_TEST_RABBITMQCTL).");
                }

                if (settings.Includes(OrderScenarios.Name))
                {
                    await Step("raw broker", async () => rows.Add(await RawBrokerScenario.RunAsync(settings)));
                }

                await using var cluster = await RabbitMqCluster.StartAsync(settings);
                if (settings.Includes(OrderScenarios.Name))
                {
                    await Step("rabbitmq order", async () => rows.Add(await OrderScenarios.RabbitMqAsync(settings, cluster)));
                }

                await LatencyAsync(settings, cluster.Dispatcher.Dispatcher, "RabbitMQ", rows, Step);
            }
        }

        // Last: its hundred thousand requests leave the process's working set high for whatever would follow.
        if (engines.Contains(Embedded) && settings.Includes("inflight"))
        {
            await Step("in flight", async () => rows.Add(await InFlightScenario.RunAsync(settings)));
        }

        return new BenchReport(settings, rows, notes);
    }

    private static async Task LatencyAsync(BenchSettings settings, ITrustChainDispatcher dispatcher, string engine, List<ScenarioResult> rows, Func<string, Func<Task>, Task> step)
    {
        if (settings.Includes("nointerest"))
        {
            await step($"{engine} nobody interested", async () => rows.Add(await LatencyScenarios.NoInterestAsync(settings, dispatcher, engine)));
        }

        if (settings.Includes("nested"))
        {
            await step($"{engine} nested", async () => rows.AddRange(await LatencyScenarios.NestedAsync(settings, dispatcher, engine)));
        }
    }
}
