namespace TrustChain.Bench;

/// <summary>Runs the selected scenarios in a fixed order and collects their rows.</summary>
internal static class BenchRun
{
    public const string NoInterest = "nointerest";
    public const string Nested = "nested";
    public const string Api = "api";
    public const string InFlight = "inflight";

    public static readonly string[] Scenarios = [OrderScenarios.Name, NoInterest, Nested, ClusterScenario.Name, Api, OverloadScenario.Name, IdleCpuScenario.Name, InFlight];

    public static async Task<BenchReport> RunAsync(BenchSettings settings, TextWriter progress)
    {
        // Before anything runs: the cluster rows are never skipped for want of a Redis, only left out on purpose.
        if (settings.Includes(ClusterScenario.Name) && string.IsNullOrWhiteSpace(settings.Redis))
        {
            throw new InvalidOperationException(ClusterScenario.NoRedis);
        }

        var rows = new List<ScenarioResult>();
        var idle = new List<IdleCpuResult>();
        OverloadResult? overload = null;
        var startedAt = DateTimeOffset.UtcNow;
        var loadBefore = BenchMachine.LoadAverage();

        async Task Step(string what, Func<Task> step)
        {
            await progress.WriteLineAsync($"[{DateTime.UtcNow:HH:mm:ss}] {what}");
            await step();
        }

        // Everything once before anything is measured (JIT, tiered compilation, the thread pool's size), so that the
        // first scenario is not the one that pays for it.
        await Step("warm-up", () => WarmUpAsync(settings));

        void AddPaired(ScenarioResult row)
        {
            if (row.Baseline is { } baseline)
            {
                rows.Add(baseline);
            }

            rows.Add(row);
        }

        if (settings.Includes(OrderScenarios.Name))
        {
            await Step($"order ({string.Join(", ", EmbeddedVariant.All.Select(v => v.Name))}) and by hand on each, in turns", async () =>
            {
                foreach (var row in await OrderScenarios.EmbeddedAsync(settings, EmbeddedVariant.All))
                {
                    AddPaired(row);
                }
            });
        }

        // The delivery comparison: the NoInterest answer on a silo per delivery, each in turns with the hand-written
        // fan-out on the same silo; nested chains on the default delivery's silo.
        if (settings.Includes(NoInterest) || settings.Includes(Nested))
        {
            foreach (var delivery in BenchDelivery.All)
            {
                var isDefault = delivery == BenchDelivery.BroadcastChannel;
                if (!settings.Includes(NoInterest) && !isDefault)
                {
                    continue;
                }

                await using var silo = await BenchSilo.StartAsync(settings, $"bench-{delivery.Name}", delivery);
                if (settings.Includes(NoInterest))
                {
                    await Step($"nobody interested, {delivery.Label}, and by hand", async () =>
                        AddPaired(await LatencyScenarios.NoInterestAsync(settings, silo, delivery.Label, BenchSettings.IsPolledSlowly(delivery))));
                }

                if (isDefault && settings.Includes(Nested))
                {
                    await Step("nested, and by hand", async () =>
                    {
                        foreach (var row in await LatencyScenarios.NestedAsync(settings, silo, $"silo, {delivery.Label}"))
                        {
                            AddPaired(row);
                        }
                    });
                }
            }
        }

        if (settings.Includes(ClusterScenario.Name))
        {
            await Step($"cluster: order, nobody interested, nested, each by hand too, on {ClusterScenario.Silos} silos over Redis", async () =>
            {
                foreach (var row in await ClusterScenario.RunAsync(settings, progress))
                {
                    AddPaired(row);
                }
            });
        }

        if (settings.Includes(Api))
        {
            await Step("web api", async () => rows.AddRange(await WebApiScenario.RunAsync(settings)));
        }

        if (settings.Includes(OverloadScenario.Name))
        {
            await Step($"overload: best closed loop, then {settings.OverloadFactor:0.#}× it open loop", async () =>
            {
                overload = await OverloadScenario.RunAsync(settings, progress);
                rows.AddRange(OverloadScenario.Rows(overload));
            });
        }

        if (settings.Includes(IdleCpuScenario.Name))
        {
            await Step($"idle cpu: {string.Join(", ", IdleCpuScenario.Targets.Select(IdleCpuScenario.LabelOf))}", async () =>
                idle.AddRange(await IdleCpuScenario.RunAsync(settings, IdleCpuScenario.Targets)));
        }

        // Last: its ten thousand requests leave the process's working set high for whatever would follow.
        if (settings.Includes(InFlight))
        {
            await Step("in flight, and by hand", async () => AddPaired(await InFlightScenario.RunAsync(settings)));
        }

        var machine = new BenchMachine(startedAt, DateTimeOffset.UtcNow, loadBefore, BenchMachine.LoadAverage());
        return new BenchReport(settings, machine, rows, idle, overload);
    }

    /// <summary>
    /// Every kind of request on a silo that is then thrown away, for at least <see cref="BenchSettings.WarmUpTime"/>:
    /// a few hundred requests are not enough here for the runtime to finish recompiling the hot paths (tiered
    /// compilation), and the first silo measured after a short warm-up ran several times slower than the next ones.
    /// </summary>
    private static async Task WarmUpAsync(BenchSettings settings)
    {
        await using var silo = await BenchSilo.StartAsync(settings, "bench-warm-up");
        var payload = BenchTopics.OrderPayload(1);
        var dispatcher = silo.Dispatcher;
        var grains = silo.Grains;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        do
        {
            await Load.RunAsync(BenchSettings.WarmUp(settings.Requests), settings.Concurrency, async _ => Measure.IsOrderDone(await dispatcher.DispatchAsync(BenchTopics.Order, payload)));
            await Load.RunAsync(settings.Requests, settings.Concurrency, _ => OrderScenarios.OrderByHandAsync(grains));
            await Load.RunAsync(BenchSettings.WarmUp(settings.LatencyRequests), 1, async _ => (await dispatcher.DispatchAsync(BenchTopics.Nobody, payload)).Status == RequestStatus.NoInterest);
            await Load.RunAsync(BenchSettings.WarmUp(settings.LatencyRequests), 1, async _ => await OrderScenarios.ByHandAsync(grains, 0, 2) == 0);
        }
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < settings.WarmUpTime);
    }
}
