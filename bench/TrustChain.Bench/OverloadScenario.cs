using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using TrustChain.Api;

namespace TrustChain.Bench;

/// <summary>
/// Overload through the Web API: first the best throughput the order scenario sustains through it, closed loop
/// (callers stepped up, 8, 16, 32, …, until the next step would pass what the clients may have in flight; the best
/// step counts); then <see cref="BenchSettings.OverloadFactor"/> times that rate offered open loop for
/// <see cref="BenchSettings.OverloadWindow"/>. The API must refuse what it cannot take with a quick 429 and serve what
/// it accepted at no less than <see cref="OverloadResult.Target"/> of the best, every accepted request with its
/// outcome. <see cref="MeasureAsync"/> needs only a base address and an <see cref="HttpClient"/>: it runs against any
/// API whose silos host the bench's workers; <see cref="RunAsync"/> runs it on the API co-hosting its silo in this
/// process.
/// </summary>
internal static class OverloadScenario
{
    public const string Name = "overload";
    public const string ClosedLoop = "overload: order through the Web API, best closed loop";
    public const string OpenLoopName = "overload: order through the Web API, open loop";

    /// <summary>
    /// The API co-hosting its silo (as src/Api does) at its default settings, with <see cref="BenchSettings.OverloadClients"/>
    /// API keys: the load comes from that many clients, each with its own in-flight share, so that together they can
    /// fill the node's total (one client alone never passes its share, <c>MaxInFlightPerClient</c>).
    /// </summary>
    public static async Task<OverloadResult> RunAsync(BenchSettings settings, TextWriter? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var keys = Enumerable.Range(0, settings.OverloadClients).Select(i => $"bench-overload-client-{i:D3}").ToList();
        var configuration = new Dictionary<string, string?>(settings.OverloadApiSettings);
        for (var i = 0; i < keys.Count; i++)
        {
            configuration[$"{TrustChainApiOptions.SectionName}:Keys:{i}"] = keys[i];
        }

        var changed = settings.OverloadApiSettings.Count == 0 ? "default settings" : $"settings {string.Join(", ", settings.OverloadApiSettings.Select(s => $"{s.Key}={s.Value}"))}";
        string Setup(string where, OverloadApi.InFlightView view) => string.Create(CultureInfo.InvariantCulture,
            $"{where}, HTTP on loopback, {changed} (MaxInFlight {view.Max}, MaxInFlightPerClient {view.MaxPerClient}, AdaptiveInFlight {(view.Adaptive ? "on" : "off")}, StartLatencyTarget {view.StartLatencyTargetMs:0} ms), {keys.Count} client{(keys.Count == 1 ? "" : "s")} (API keys)");
        using var http = NewClient();
        var allowed = OverloadApi.AllowedProcessors();
        if (settings.SilosInProcess || allowed is not { Count: >= 2 })
        {
            // The smoke tests, or a machine where the bench cannot pin processors (one processor, not Linux, no taskset).
            await using var api = await BenchApi.StartAsync(settings, "bench-overload", configuration);
            var local = OverloadApi.InFlightView.Of(api.Services);
            var limit = api.Services.GetRequiredService<InFlightLimit>();
            return await MeasureAsync(api.Address, http, settings, Math.Min(local.Max, local.MaxPerClient * keys.Count), Setup("API co-hosting its silo in the load's process", local), keys, () => ValueTask.FromResult(limit.Limit), progress: progress);
        }

        // The API on the first half of the processors this bench may use, the load on the others: what the API
        // sustains is measured on processors of its own, as where its clients are other machines.
        var apiCpus = string.Join(',', allowed.Take(allowed.Count / 2));
        var loadCpus = string.Join(',', allowed.Skip(allowed.Count / 2));
        await using var child = BenchChildProcess.Start("overload api", OverloadApi.Arguments(settings, configuration), apiCpus);
        var address = new Uri(await child.ReadyAsync(OverloadApi.ReadyPrefix, TimeSpan.FromMinutes(2)));
        using var sampling = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            OverloadApi.PinThisProcess(loadCpus);
            var view = await OverloadApi.InFlightAsync(sampling, address, keys);
            var setup = Setup($"API co-hosting its silo in a process of its own on processor(s) {apiCpus}, the load's client on {loadCpus}", view);
            async ValueTask<int> NodeLimit() => (await OverloadApi.InFlightAsync(sampling, address, keys)).Limit;
            return await MeasureAsync(address, http, settings, Math.Min(view.Max, view.MaxPerClient * keys.Count), setup, keys, NodeLimit, child.Process, progress);
        }
        finally
        {
            OverloadApi.TryPinThisProcess(string.Join(',', allowed));
        }
    }

    /// <summary>At most this many connections from the load's client, far more than the API lets be in flight.</summary>
    /// <remarks>
    /// Uncapped, an open loop of 9,000 requests a second whose answers took a second held over 9,000 connections, two
    /// file descriptors each with client and server in one process, and passed the process's limit (20,000 here): the
    /// rest failed in the client (TooManyOpenSockets), never reaching the API. Past the cap a request waits in the
    /// client for a connection, and its latency, counted from when it was due, shows the wait.
    /// </remarks>
    public const int MaxConnections = 4_000;

    /// <summary>
    /// An HTTP client fit for an open loop: connections up to <see cref="MaxConnections"/> and a timeout longer than a
    /// request's default deadline.
    /// </summary>
    public static HttpClient NewClient() =>
        new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1), MaxConnectionsPerServer = MaxConnections }) { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>
    /// The scenario against the API at <paramref name="api"/>: callers stepped up to <paramref name="maxCallers"/>
    /// (what the clients may have in flight there), then the open loop. Call <c>i</c> carries key <c>i mod n</c> of
    /// <paramref name="keys"/> (none: one anonymous client). <paramref name="nodeLimit"/>, when the API is at hand,
    /// reads its in-flight limit now; it is sampled during the open loop. <paramref name="server"/>, when the API is a
    /// process of its own, has its CPU time read over the open loop.
    /// </summary>
    public static async Task<OverloadResult> MeasureAsync(
        Uri api, HttpClient http, BenchSettings settings, int maxCallers, string setup, IReadOnlyList<string>? keys = null, Func<ValueTask<int>>? nodeLimit = null, Process? server = null, TextWriter? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var call = new ApiOrderCall(http, api, keys);
        var callers = Math.Min(settings.OverloadStartCallers, maxCallers);
        await Load.RunAsync(BenchSettings.WarmUp(settings.Requests), callers, async i => (await call.SendAsync(i)).Answer == ApiAnswer.Served);
        var steps = new List<OverloadStep>();
        while (true)
        {
            var step = await ClosedStepAsync(call, settings.Requests, callers);
            steps.Add(step);
            progress?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {callers} callers: {step.Goodput:N0} req/s served, p50 {step.Run.P50Ms:0.0} ms, {step.Refused} refused, {step.Run.Failed} failed"));

            // Every step up to what the clients may have in flight, the best of them the baseline: stopping where a
            // step or two did not rise took a plateau for the top (one processor: 8 → 342, 16 → 296, 32 → 348 req/s,
            // then 128 → 1,074 in another run), and a baseline found too low flatters the ratio.
            if (callers * 2 > maxCallers)
            {
                break;
            }

            callers *= 2;
        }

        var rate = steps.Max(s => s.Goodput) * settings.OverloadFactor;
        progress?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  open loop: {rate:N0} req/s offered for {settings.OverloadWindow.TotalSeconds:0.#} s"));
        var limits = new List<int>();
        using var sampling = new CancellationTokenSource();
        var sampler = nodeLimit is null ? Task.CompletedTask : SampleAsync(nodeLimit, limits, sampling.Token);
        server?.Refresh();
        var serverCpuBefore = server?.TotalProcessorTime;
        var open = await OpenLoad.RunAsync(rate, settings.OverloadWindow, call.SendAsync);
        server?.Refresh();
        var serverCpu = server?.TotalProcessorTime - serverCpuBefore;
        await sampling.CancelAsync();
        await sampler;
        return new OverloadResult(setup, steps, settings.OverloadFactor, open) { NodeLimits = limits, ServerCpu = serverCpu };
    }

    /// <summary>The result as two rows of the every-scenario table: the baseline (best closed-loop step), then the open loop.</summary>
    public static IReadOnlyList<ScenarioResult> Rows(OverloadResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var best = result.Best;
        var steps = string.Join(", ", result.Steps.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Callers} → {s.Goodput:N0}")));
        var open = result.Open;
        var run = new RunResult(
            result.Offered,
            result.Failed + result.Wrong,
            result.AcceptedPerSecond,
            result.LatencyMs(ApiAnswer.Served, 0.50),
            result.LatencyMs(ApiAnswer.Served, 0.99),
            result.LatencyMs(ApiAnswer.Served, 1),
            open.AllocatedBytesPerRequest,
            open.PeakWorkingSetMb)
        {
            Extra = new Dictionary<string, double>
            {
                ["offered req/s"] = result.OfferedPerSecond,
                ["issued req/s"] = result.IssuedPerSecond,
                ["÷ best %"] = result.Ratio * 100,
                ["refused %"] = result.RefusedShare * 100,
                ["429 p50 ms"] = result.LatencyMs(ApiAnswer.Refused, 0.50),
                ["429 p99 ms"] = result.LatencyMs(ApiAnswer.Refused, 0.99),
                ["issue lag p99 ms"] = result.IssueLagMs(0.99),
            },
        };
        return
        [
            new ScenarioResult(ClosedLoop, string.Create(CultureInfo.InvariantCulture, $"{best.Callers} callers; {result.Setup}"), [best.Run with { RequestsPerSecond = best.Goodput }],
                $"req/s = outcomes served/s; callers → req/s: {steps}"),
            new ScenarioResult(OpenLoopName, string.Create(CultureInfo.InvariantCulture, $"{result.Factor:0.#}× the best offered; {result.Setup}"), [run],
                "req/s = accepted outcomes/s in the steady state; latencies = accepted ones, from when each was due; failed = errors other than 429 + accepted without their outcome"),
        ];
    }

    /// <summary>
    /// One closed-loop step. A 429 is no failure (the clients' shares or the node's limit were full: the step asked for
    /// more than the API admits now) but no served outcome either: the step's throughput counts served outcomes only.
    /// </summary>
    private static async Task<OverloadStep> ClosedStepAsync(ApiOrderCall call, int requests, int callers)
    {
        var served = 0;
        var refused = 0;
        var run = await Load.RunAsync(requests, callers, async i =>
        {
            var answer = (await call.SendAsync(i)).Answer;
            if (answer == ApiAnswer.Served)
            {
                Interlocked.Increment(ref served);
            }
            else if (answer == ApiAnswer.Refused)
            {
                Interlocked.Increment(ref refused);
            }

            return answer is ApiAnswer.Served or ApiAnswer.Refused;
        });
        return new OverloadStep(callers, run, served * run.RequestsPerSecond / requests, refused);
    }

    private static async Task SampleAsync(Func<ValueTask<int>> nodeLimit, List<int> limits, CancellationToken cancellation)
    {
        using var every = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (await every.WaitForNextTickAsync(cancellation))
            {
                try
                {
                    limits.Add(await nodeLimit());
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // A sample that could not be read is left out; the run's figures do not depend on it.
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The open loop is over.
        }
    }
}
