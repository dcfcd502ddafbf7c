using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace TrustChain.Bench;

/// <summary>
/// Many requests in flight at once on one silo: every request's worker is inside its handler, waiting. The silo
/// works on as many tasks of a worker at once as <c>TrustChain:WorkerConcurrency</c> allows (at most 10,000), so it
/// is set to the count. Measures the managed heap and working set with all of them waiting.
/// </summary>
internal static class InFlightScenario
{
    public const string Name = "requests in flight, workers waiting";

    /// <summary>The most tasks of one worker a silo works on at once (<c>TrustChain:WorkerConcurrency</c>'s limit).</summary>
    public const int MaxInFlight = 10_000;

    public static async Task<ScenarioResult> RunAsync(BenchSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.InFlight, MaxInFlight, nameof(settings.InFlight));

        var runs = new List<RunResult>();
        var baseline = new List<RunResult>();
        for (var i = 0; i < settings.InFlightRuns; i++)
        {
            // In turns, each on a silo of its own started the same way.
            baseline.Add(await OnceAsync(settings, settings.InFlight, ByHand));
            runs.Add(await OnceAsync(settings, settings.InFlight, TrustChain));
        }

        const string Note = "req/s = start-to-all-completed; latency = whole batch";
        return new ScenarioResult($"{settings.InFlight:N0} {Name}", "silo, BroadcastChannel", runs, Note)
        {
            Baseline = new ScenarioResult($"{settings.InFlight:N0} {BaselineName}", "Orleans grain calls, a silo of its own", baseline, Note),
        };
    }

    /// <summary>The figure: heap bytes per request in flight, over the started silo's.</summary>
    public const string HeapPerRequest = "heap bytes/in-flight";

    /// <summary>The baseline's name: the same wait written by hand.</summary>
    public const string BaselineName = "in flight by hand: a requester grain calling a worker grain that waits";

    private static readonly DispatchOptions Options = new()
    {
        Timeout = TimeSpan.FromMinutes(10),
        InterestWindow = TimeSpan.FromMinutes(1),
        LeaseDuration = TimeSpan.FromMinutes(1),
    };

    /// <summary>One TrustChain request; its completion says whether it ended Completed.</summary>
    private static async Task<Func<Task<bool>>> TrustChain(BenchSilo silo, JsonElement payload, int _)
    {
        var handle = await silo.Dispatcher.StartAsync(BenchTopics.Wait, payload, Options);
        return async () => (await handle.Outcome).Status == RequestStatus.Completed;
    }

    /// <summary>The same by hand: a requester grain of its own calling one worker grain, which waits.</summary>
    private static Task<Func<Task<bool>>> ByHand(BenchSilo silo, JsonElement payload, int i)
    {
        var answer = silo.Grains.GetGrain<IFanOutRequesterGrain>(string.Create(CultureInfo.InvariantCulture, $"inflight-{i}")).AskWaitingAsync(payload);
        return Task.FromResult<Func<Task<bool>>>(async () => await answer == 1);
    }

    private static long CollectedHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <param name="start">Starts request <c>i</c>; what it returns waits for its end and says whether it ended as expected.</param>
    private static async Task<RunResult> OnceAsync(BenchSettings settings, int count, Func<BenchSilo, JsonElement, int, Task<Func<Task<bool>>>> start)
    {
        var gate = new WaitingGate(count);
        var payload = JsonSerializer.SerializeToElement(new { n = 1 });
        using var memory = new MemoryProbe();
        var allocatedBefore = GC.GetTotalAllocatedBytes(true);
        var started = Stopwatch.GetTimestamp();

        await using var silo = await BenchSilo.StartAsync(
            settings,
            "bench-inflight",
            options: o =>
            {
                o.WorkerConcurrency = count;
                o.MaxTimeout = TimeSpan.FromMinutes(10);
            },
            silo: s => s.Services.AddSingleton(gate));

        // The heap of the started silo is the baseline: the silo itself is not a cost per request.
        var heapBefore = CollectedHeap();

        // Started 256 at a time: each start is a grain call that persists the request and publishes its task.
        var handles = new Func<Task<bool>>[count];
        using (var starting = new SemaphoreSlim(256))
        {
            await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                await starting.WaitAsync();
                try
                {
                    handles[i] = await start(silo, payload, i);
                }
                finally
                {
                    starting.Release();
                }
            }));
        }

        await gate.Full.WaitAsync(TimeSpan.FromMinutes(5));
        var heapInFlight = CollectedHeap();
        var peakInFlight = memory.PeakMb;
        gate.Open();
        var failed = 0;
        foreach (var ended in handles)
        {
            if (!await ended())
            {
                failed++;
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetTotalAllocatedBytes(true) - allocatedBefore - memory.OwnAllocatedBytes;
        GC.KeepAlive(handles);
        return new RunResult(count, failed, count / elapsed.TotalSeconds, elapsed.TotalMilliseconds, elapsed.TotalMilliseconds, elapsed.TotalMilliseconds,
            (double)allocated / count, peakInFlight)
        {
            Extra = new Dictionary<string, double>
            {
                [HeapPerRequest] = (double)(heapInFlight - heapBefore) / count,
                ["heap MB in flight"] = heapInFlight / (1024.0 * 1024.0),
            },
        };
    }
}
