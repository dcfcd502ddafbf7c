using System.Diagnostics;
using System.Text.Json;
using TrustChain.Hosting;
using TrustChain.Testing;

namespace TrustChain.Bench;

/// <summary>
/// Many requests in flight at once on the embedded engine: every request's worker is inside its handler, waiting.
/// A worker instance runs at most 10,000 tasks at once, so the cluster has as many instances (silos in this process,
/// on one in-memory network) as that needs. Measures the managed heap and working set with all of them waiting.
/// </summary>
internal static class InFlightScenario
{
    public const string Name = "requests in flight, workers waiting";
    private const int PerInstance = 10_000;

    public static async Task<ScenarioResult> RunAsync(BenchSettings settings)
    {
        // The heap before the first run is the baseline of every run: what a finished run leaves behind is
        // released some seconds after its cluster is disposed, often during the next run, so a per-run baseline
        // would sometimes subtract memory that is already gone.
        var baseline = CollectedHeap();
        var runs = new List<RunResult>();
        for (var i = 0; i < settings.InFlightRuns; i++)
        {
            runs.Add(await OnceAsync(settings.InFlight, baseline));
        }

        return new ScenarioResult($"{settings.InFlight:N0} {Name}", "embedded", runs, "req/s = start-to-all-completed; latency = whole batch");
    }

    private static long CollectedHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task<RunResult> OnceAsync(int count, long heapBefore)
    {
        var gate = new WaitingGate(count);
        var payload = JsonSerializer.SerializeToElement(new { n = 1 });
        var options = new DispatchOptions
        {
            Timeout = TimeSpan.FromMinutes(10),
            InterestWindow = TimeSpan.FromMinutes(5),
            LeaseDuration = TimeSpan.FromMinutes(1),
        };
        using var memory = new MemoryProbe();
        var allocatedBefore = GC.GetTotalAllocatedBytes(true);
        var started = Stopwatch.GetTimestamp();

        await using var cluster = new TrustChainTestCluster(configure: o =>
        {
            o.WorkerConcurrency = PerInstance;
            o.MaxTimeout = TimeSpan.FromMinutes(10);
        });
        for (var s = 0; s < (count + PerInstance - 1) / PerInstance; s++)
        {
            await cluster.StartSiloAsync(b => b.AddWorker(new WaitingWorker(gate)));
        }

        var handles = new IRequestHandle[count];
        for (var i = 0; i < count; i++)
        {
            handles[i] = await cluster.Client.StartAsync(BenchTopics.Wait, payload, options);
        }

        await gate.Full.WaitAsync(TimeSpan.FromMinutes(5));
        var heapInFlight = CollectedHeap();
        var peakInFlight = memory.PeakMb;
        gate.Open();
        var failed = 0;
        foreach (var handle in handles)
        {
            if ((await handle.Outcome).Status != RequestStatus.Completed)
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
                ["heap bytes/in-flight"] = (double)(heapInFlight - heapBefore) / count,
                ["heap MB in flight"] = heapInFlight / (1024.0 * 1024.0),
            },
        };
    }
}
