using System.Diagnostics;

namespace TrustChain.Bench;

/// <summary>
/// Drives one closed-loop run: <c>concurrency</c> callers each issue requests back to back until <c>requests</c> are
/// done. Latency is per request; allocation is the whole process's (the work of a request runs on many threads).
/// </summary>
internal static class Load
{
    /// <param name="operation">One request, given its index; returns whether it ended as expected.</param>
    public static async Task<RunResult> RunAsync(int requests, int concurrency, Func<int, Task<bool>> operation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requests, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        var latencies = new long[requests];
        var next = -1;
        var failed = 0;

        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var memory = new MemoryProbe();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();

        var callers = Enumerable.Range(0, Math.Min(concurrency, requests)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var t0 = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    ok = await operation(i);
                }
#pragma warning disable CA1031 // a failed request is counted, not fatal to the run
                catch (Exception)
#pragma warning restore CA1031
                {
                    ok = false;
                }

                latencies[i] = Stopwatch.GetTimestamp() - t0;
                if (!ok)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        await Task.WhenAll(callers);

        var elapsed = Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore - memory.OwnAllocatedBytes;
        Array.Sort(latencies);
        return new RunResult(
            requests,
            failed,
            requests / elapsed.TotalSeconds,
            Ms(Percentile(latencies, 0.50)),
            Ms(Percentile(latencies, 0.99)),
            Ms(latencies[^1]),
            (double)allocated / requests,
            memory.PeakMb);
    }

    public static long Percentile(long[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    public static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
