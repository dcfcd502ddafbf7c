using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using TrustChain.Tests.Api;
using Xunit.Abstractions;

namespace TrustChain.Tests.Redis;

/// <summary>The process tests run alone: each starts three to five .NET processes on a two-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessTests
{
    public const string Name = "processes";
}

/// <summary>
/// TrustChain as an Orleans cluster over Redis, as a user runs it: silo processes and API processes (Orleans
/// clients) on one private Redis, killed with kill -9 where the test says so.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed class ClusterProcessTests(ITestOutputHelper output)
{
    private static readonly string[] ClearEndings = ["Completed", "Partial", "TimedOut"];

    private const string Order = """{"orderId":"o-1","customerId":"c-7","amount":1250,"items":[{"sku":"A-1","qty":2},{"sku":"B-9","qty":1}]}""";

    [Fact]
    public async Task Two_silo_processes_and_an_API_client_give_the_demo_order_the_outcome_of_the_embedded_default()
    {
        await using var cluster = new ProcessCluster(TestRedis.Address);
        await cluster.StartSiloAsync("silo-a");
        await cluster.StartSiloAsync("silo-b");
        var api = await cluster.StartApiAsync("api-1", silos: 2);

        var (status, clustered) = await api.Http.CallAsync(HttpMethod.Post, "/requests/order.placed", Order);
        Assert.Equal(HttpStatusCode.OK, status);

        await using var embedded = new ApiHost();
        using var client = await embedded.StartAsync();
        var (_, alone) = await client.SendAsync(HttpMethod.Post, "/requests/order.placed", Order);

        Assert.Equal("Completed", clustered.GetProperty("status").GetString());
        Assert.Equal(Shape(alone), Shape(clustered));
        Assert.Equal(Canonical(alone.GetProperty("combined")), Canonical(clustered.GetProperty("combined")));
        Assert.Equal("Commit", clustered.GetProperty("decision").GetProperty("decision").GetString());

        // The nested reservation ran as its own request of the cluster, and any API node reads it.
        var child = clustered.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("worker").GetString() == "inventory")
            .GetProperty("children")[0].GetProperty("requestId").GetString()!;
        var nested = await api.Http.ReadRequestAsync(child);
        Assert.Equal("Completed", nested.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Killing_the_silo_that_holds_running_requests_ends_every_one_Completed_before_its_deadline()
    {
        await using var cluster = new ProcessCluster(TestRedis.Address);
        var silos = new[] { await cluster.StartSiloAsync("silo-a"), await cluster.StartSiloAsync("silo-b") };
        var api = await cluster.StartApiAsync("api-1", silos: 2);

        const int Requests = 8, TimeoutMs = 60_000;
        var body = """{"customerId":"c-1","amount":1500,"items":[{"sku":"A-1","qty":1},{"sku":"B-2","qty":1}],"workMs":{"fraud":4000,"loyalty":4000,"inventory":4000}}""";
        var ids = await Task.WhenAll(Enumerable.Range(0, Requests).Select(_ => api.Http.StartRequestAsync("order.placed", body, TimeoutMs)));
        var holders = await Task.WhenAll(ids.Select(id => ProcessCluster.HolderOfAsync(id, silos)));
        await Task.WhenAll(ids.Select(id => api.Http.FollowAsync(id, until: "interestClosed")));

        // The silo holding the most of them: its request grains, and the workers it runs, die with it.
        var victim = holders.GroupBy(h => h).OrderByDescending(g => g.Count()).First().Key;
        var held = holders.Count(h => h == victim);
        var killedAt = DateTimeOffset.UtcNow;
        await victim.KillAsync();

        var outcomes = await Task.WhenAll(ids.Select(async id =>
        {
            await api.Http.FollowAsync(id);
            return (await api.Http.ReadRequestAsync(id)).GetProperty("outcome");
        }));

        foreach (var outcome in outcomes)
        {
            Assert.Equal("Completed", outcome.GetProperty("status").GetString());
            Assert.All(outcome.GetProperty("results").EnumerateArray(), r => Assert.Equal("Succeeded", r.GetProperty("status").GetString()));
            Assert.True(At(outcome, "completedAt") < At(outcome, "dispatchedAt").AddMilliseconds(TimeoutMs), $"{outcome.GetProperty("requestId")} ended after its deadline");
        }

        var last = outcomes.Max(o => At(o, "completedAt"));
        output.WriteLine($"{held} of {Requests} request grains were on the killed silo; the last request ended {(last - killedAt).TotalSeconds:0.0} s after the kill");
    }

    [Fact]
    public async Task Killing_the_silo_of_a_request_waiting_for_results_resumes_it_from_Redis_on_the_other_silo()
    {
        await using var cluster = new ProcessCluster(TestRedis.Address);
        var silos = new[] { await cluster.StartSiloAsync("silo-a"), await cluster.StartSiloAsync("silo-b") };
        var api = await cluster.StartApiAsync("api-1", silos: 2);

        // Only loyalty is interested; it works 6 s, far less than the deadline.
        var id = await api.Http.StartRequestAsync("order.placed", """{"customerId":"c-1","amount":10,"workMs":{"loyalty":6000}}""", 60_000);
        var holder = await ProcessCluster.HolderOfAsync(id, silos);
        var before = await api.Http.FollowAsync(id, until: "interestClosed");
        await holder.KillAsync();

        var events = await api.Http.FollowAsync(id);
        var state = await api.Http.ReadRequestAsync(id);
        Assert.Equal("Completed", state.GetProperty("status").GetString());
        var loyalty = Assert.Single(state.GetProperty("outcome").GetProperty("results").EnumerateArray());
        Assert.Equal("loyalty", loyalty.GetProperty("worker").GetString());
        Assert.Equal("Succeeded", loyalty.GetProperty("status").GetString());

        // Resumed, not started over: the journal from before the kill is the journal's beginning, entry for entry,
        // and went on without a gap.
        var journal = state.GetProperty("events").EnumerateArray().Select(Entry).ToList();
        Assert.Equal(before.Select(e => Entry(e.Json)), journal.Take(before.Count));
        Assert.Equal(Enumerable.Range(1, journal.Count).Select(i => (long)i), state.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
        Assert.Equal(events.Select(e => Entry(e.Json)), journal.Take(events.Count)); // what was streamed, from the same journal
        Assert.Empty(silos.Single(s => s != holder).LinesWith($"Dispatched {id} ")); // never dispatched twice
    }

    [Fact]
    public async Task A_Redis_restart_under_load_ends_every_request_in_flight_with_a_clear_status_and_the_processes_reconnect()
    {
        await using var redis = await TestRedis.StartOwnAsync();
        await using var cluster = new ProcessCluster(redis.Address);
        var silos = new[] { await cluster.StartSiloAsync("silo-a"), await cluster.StartSiloAsync("silo-b") };
        var api = await cluster.StartApiAsync("api-1", silos: 2);

        const int Requests = 12, TimeoutMs = 30_000;
        var ids = await Task.WhenAll(Enumerable.Range(0, Requests).Select(i => api.Http.StartRequestAsync("order.placed",
            $$$"""{"customerId":"c-{{{i}}}","amount":1500,"items":[{"sku":"A-1","qty":1}],"workMs":{"fraud":{{{1000 + (i * 250)}}},"loyalty":3000}}""", TimeoutMs)));
        await Task.WhenAll(ids.Select(id => ProcessCluster.HolderOfAsync(id, silos)));

        var stopwatch = Stopwatch.StartNew();
        await redis.KillAsync();
        await redis.StartAsync();
        output.WriteLine($"Redis was down {stopwatch.Elapsed.TotalSeconds:0.00} s");

        var outcomes = await Task.WhenAll(ids.Select(async id =>
        {
            await api.Http.FollowAsync(id);
            return (await api.Http.ReadRequestAsync(id)).GetProperty("outcome");
        }));
        foreach (var outcome in outcomes)
        {
            var status = outcome.GetProperty("status").GetString();
            Assert.Contains(status, ClearEndings);
            Assert.True(At(outcome, "completedAt") <= At(outcome, "dispatchedAt").AddMilliseconds(TimeoutMs + 1000), $"{outcome.GetProperty("requestId")} ended after its deadline");
        }

        output.WriteLine(string.Join(", ", outcomes.GroupBy(o => o.GetProperty("status").GetString()).Select(g => $"{g.Count()} {g.Key}")));

        // Reconnected by themselves: a new order goes through the same processes.
        var (code, fresh) = await api.Http.CallAsync(HttpMethod.Post, "/requests/order.placed", Order);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("Completed", fresh.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_second_API_node_reads_streams_and_cancels_a_request_started_on_the_first()
    {
        await using var cluster = new ProcessCluster(TestRedis.Address);
        await cluster.StartSiloAsync("silo-a");
        await cluster.StartSiloAsync("silo-b");
        var first = await cluster.StartApiAsync("api-1", silos: 2);
        var second = await cluster.StartApiAsync("api-2", silos: 2);

        var id = await first.Http.StartRequestAsync("order.placed", """{"customerId":"c-1","amount":10,"workMs":{"loyalty":120000}}""", 300_000);
        Assert.StartsWith("api-1.", id, StringComparison.Ordinal);

        var streamed = await second.Http.FollowAsync(id, until: "interestClosed");
        Assert.Equal("dispatched", streamed[0].Event);
        Assert.Equal(3, streamed.Count(e => e.Event == "verdict")); // inventory, fraud, loyalty
        var running = await second.Http.ReadRequestAsync(id);
        Assert.Equal("Running", running.GetProperty("status").GetString());
        var (_, list) = await second.Http.CallAsync(HttpMethod.Get, "/requests?limit=10");
        Assert.Contains(list.EnumerateArray(), r => r.GetProperty("requestId").GetString() == id);

        var following = second.Http.FollowAsync(id);
        var (cancelled, _) = await second.Http.CallAsync(HttpMethod.Delete, $"/requests/{id}");
        Assert.Equal(HttpStatusCode.NoContent, cancelled);
        var (again, _) = await second.Http.CallAsync(HttpMethod.Delete, $"/requests/{id}");
        Assert.Equal(HttpStatusCode.Conflict, again);

        var completed = (await following).Single(e => e.Event == "completed");
        Assert.Equal("Cancelled", completed.Json.GetProperty("outcome").GetProperty("status").GetString());
        Assert.Equal("Cancelled", (await first.Http.ReadRequestAsync(id)).GetProperty("outcome").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Killing_silos_at_random_points_across_200_requests_hangs_none_loses_no_accepted_result_and_leaves_Partial_only_what_the_kill_touched()
    {
        const int Seed = 20261202, Waves = 8, PerWave = 25, TimeoutMs = 60_000;
        var random = new Random(Seed);
        await using var cluster = new ProcessCluster(TestRedis.Address, new Dictionary<string, string>
        {
            ["Logging:LogLevel:TrustChain.Workers"] = "Debug",
            ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
        });
        var silos = new List<NodeProcess> { await cluster.StartSiloAsync("silo-1"), await cluster.StartSiloAsync("silo-2") };
        var everySilo = new List<NodeProcess>(silos);
        var api = await cluster.StartApiAsync("api-1", silos: 2);

        var ids = new List<string>();
        var outcomes = new Dictionary<string, JsonElement>();
        var killedUnder = new Dictionary<string, NodeProcess>(); // each request's wave's victim
        for (var wave = 0; wave < Waves; wave++)
        {
            var bodies = Enumerable.Range(0, PerWave).Select(_ =>
                $$$"""{"customerId":"c","amount":{{{random.Next(900, 2000)}}},"items":[{"sku":"A-1","qty":1},{"sku":"B-1","qty":1}],"workMs":{"fraud":{{{random.Next(0, 1500)}}},"loyalty":{{{random.Next(0, 1500)}}},"inventory":{{{random.Next(0, 1500)}}},"warehouse-a":{{{random.Next(0, 800)}}}}}""").ToList();
            var victim = silos[random.Next(silos.Count)];
            var point = random.Next(1, 20);
            var started = await Task.WhenAll(bodies.Select(b => api.Http.StartRequestAsync("order.placed", b, TimeoutMs)));
            ids.AddRange(started);
            foreach (var id in started)
            {
                killedUnder[id] = victim;
            }

            var ending = Task.WhenAll(started.Select(async id =>
            {
                await api.Http.FollowAsync(id);
                return (Id: id, State: await api.Http.ReadRequestAsync(id));
            }));

            // A random point of the wave: the victim's n-th dispatch or accepted result (or the wave's end).
            var seen = 0;
            var reached = victim.WaitForLineAsync(l => (l.Contains("Dispatched ", StringComparison.Ordinal) || l.Contains(" was accepted", StringComparison.Ordinal)) && ++seen >= point);
            await Task.WhenAny(reached, ending);
            await victim.KillAsync();
            silos.Remove(victim);
            var replacement = await cluster.StartSiloAsync($"silo-{wave + 3}");
            silos.Add(replacement);
            everySilo.Add(replacement);

            foreach (var (id, state) in await ending)
            {
                outcomes[id] = state.GetProperty("outcome");
            }
        }

        // A hang: a request that did not end by its deadline. A lost accepted result: a worker told its result was
        // accepted whose result is not in the request's final outcome.
        var hangs = outcomes.Values.Count(o => At(o, "completedAt") > At(o, "dispatchedAt").AddMilliseconds(TimeoutMs));
        var lost = 0;
        foreach (var line in everySilo.SelectMany(s => s.LinesWith(" was accepted")))
        {
            var words = line.Trim().Split(' ');
            var (worker, request) = (words[3], words[5]);
            if (outcomes.TryGetValue(request, out var outcome)
                && !outcome.GetProperty("results").EnumerateArray().Any(r => r.GetProperty("worker").GetString() == worker && r.GetProperty("status").GetString() is "Succeeded" or "Failed"))
            {
                lost++;
                output.WriteLine($"lost: {worker} on {request}: {outcome}");
            }
        }

        foreach (var (id, outcome) in outcomes.Where(o => o.Value.GetProperty("status").GetString() != "Completed"))
        {
            output.WriteLine($"{id}: {outcome.GetProperty("status").GetString()}, silent {(outcome.TryGetProperty("silent", out var silent) ? silent.GetRawText() : "[]")}, results "
                + string.Join(" ", outcome.GetProperty("results").EnumerateArray().Select(r => $"{r.GetProperty("worker").GetString()}={r.GetProperty("status").GetString()}")));
        }

        output.WriteLine($"seed {Seed}: {ids.Count} requests, {Waves} silos killed; " + string.Join(", ", outcomes.Values.GroupBy(o => o.GetProperty("status").GetString()).Select(g => $"{g.Count()} {g.Key}")));
        Assert.Equal(Waves * PerWave, outcomes.Count);
        Assert.Equal(0, hangs);
        Assert.Equal(0, lost);
        Assert.Empty(UnexplainedEndings(outcomes, killedUnder, everySilo));
        Assert.True(everySilo.Sum(s => s.LinesWith(" was accepted").Count) >= Waves * PerWave, "the workers' acceptance lines were not logged");
    }

    [Fact]
    public async Task A_silo_with_cluster_settings_that_cannot_work_stops_at_start_naming_every_problem()
    {
        await using var silo = NodeProcess.Start("silo-bad", "dotnet",
        [
            Build.Silo, "--ConnectionStrings:redis=127.0.0.1:1", "--Orleans:Endpoints:SiloPort=70000", "--Orleans:Endpoints:GatewayPort=gateway",
            "--Orleans:Endpoints:AdvertisedIPAddress=not-an-address", "--Orleans:Localhost:PrimarySiloPort=11111", "--Orleans:ClusterId=has space",
        ]);
        await silo.Exited.WaitAsync(ProcessSafety.Timeout);

        Assert.NotEqual(0, silo.ExitCode);
        foreach (var problem in new[]
        {
            "Orleans:Endpoints:SiloPort '70000' is not a port", "Orleans:Endpoints:GatewayPort 'gateway' is not a port",
            "Orleans:Endpoints:AdvertisedIPAddress 'not-an-address' is not an IP address", "Orleans:Localhost:PrimarySiloPort is for localhost clustering",
            "Orleans:ClusterId 'has space' must be a non-empty name",
        })
        {
            Assert.Contains(problem, silo.Output, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A kill costs only the requests it touched. Silence is not consent: an expected worker whose verdict the request
    /// did not hold when interest closed is silent, and one whose lease lapsed twice is lost, so a request can end
    /// Partial when a silo dies under it; but only a worker whose task died with the killed silo (it took the task
    /// there, or was let go because the killed silo held its directory entry), or any worker of a request whose grain
    /// died with it, may be named so; the rest of such a request, and every other request, ends Completed. What the
    /// victim printed last may be lost with it, so "on the victim" reads "on no other silo".
    /// </summary>
    private static List<string> UnexplainedEndings(Dictionary<string, JsonElement> outcomes, Dictionary<string, NodeProcess> killedUnder, List<NodeProcess> silos)
    {
        var unexplained = new List<string>();
        foreach (var (id, outcome) in outcomes.Where(o => o.Value.GetProperty("status").GetString() != "Completed"))
        {
            var victim = killedUnder[id];
            bool NoOtherSilo(string text) => silos.Where(s => s != victim).All(s => s.LinesWith(text).Count == 0);
            bool TaskDiedWithTheVictim(string worker) =>
                NoOtherSilo($"{worker} took the task of {id}") || !NoOtherSilo($"{worker} was deactivated while working on {id}");
            var status = outcome.GetProperty("status").GetString();
            if (status != "Partial")
            {
                unexplained.Add($"{id} ended {status}");
                continue;
            }

            var grainDied = NoOtherSilo($"Dispatched {id} ");
            var silent = outcome.TryGetProperty("silent", out var list) ? list.EnumerateArray().Select(w => w.GetString()!).ToList() : [];
            unexplained.AddRange(silent.Where(w => !grainDied && !TaskDiedWithTheVictim(w)).Select(w => $"{id}: {w} silent, though its task and the request's grain were on live silos"));
            foreach (var result in outcome.GetProperty("results").EnumerateArray())
            {
                var (worker, resultStatus) = (result.GetProperty("worker").GetString()!, result.GetProperty("status").GetString());
                if (resultStatus == "Lost" ? !TaskDiedWithTheVictim(worker) : resultStatus != "Succeeded")
                {
                    unexplained.Add($"{id}: {worker} {resultStatus}, though it took the task on a live silo");
                }
            }
        }

        return unexplained;
    }

    /// <summary>What must be the same wherever the order ran: statuses, verdicts, results and nested outcomes.</summary>
    private static string Shape(JsonElement outcome) => JsonSerializer.Serialize(new
    {
        status = outcome.GetProperty("status").GetString(),
        verdicts = outcome.GetProperty("verdicts").EnumerateArray()
            .Select(v => $"{v.GetProperty("worker").GetString()}:{v.GetProperty("interested").GetBoolean()}").Order(StringComparer.Ordinal).ToList(),
        results = Results(outcome),
        silent = outcome.TryGetProperty("silent", out var silent) ? silent.GetRawText() : "[]",
        rejected = outcome.GetProperty("rejected").GetArrayLength(),
    });

    private static List<string> Results(JsonElement outcome) => outcome.GetProperty("results").EnumerateArray()
        .Select(r => $"{r.GetProperty("worker").GetString()}:{r.GetProperty("status").GetString()}:{Canonical(r.GetProperty("payload"))}:["
            + string.Join(";", (r.TryGetProperty("children", out var children) ? children.EnumerateArray().ToList() : []).Select(c => $"{c.GetProperty("topic").GetString()}:{c.GetProperty("status").GetString()}:{string.Join(",", Results(c))}"))
            + "]")
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>The JSON with arrays in a fixed order: which warehouse answers first is no part of the outcome.</summary>
    private static string Canonical(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", e.EnumerateObject().Select(p => $"{p.Name}:{Canonical(p.Value)}").Order(StringComparer.Ordinal)) + "}",
        JsonValueKind.Array => "[" + string.Join(",", e.EnumerateArray().Select(Canonical).Order(StringComparer.Ordinal)) + "]",
        _ => e.GetRawText(),
    };

    private static string Entry(JsonElement e) =>
        $"{e.GetProperty("sequence").GetInt64()}|{e.GetProperty("kind").GetString()}|{At(e, "at"):O}";

    private static DateTimeOffset At(JsonElement outcome, string property) =>
        DateTimeOffset.Parse(outcome.GetProperty(property).GetString()!, CultureInfo.InvariantCulture);
}
