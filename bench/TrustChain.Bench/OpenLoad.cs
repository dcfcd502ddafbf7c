using System.Diagnostics;

namespace TrustChain.Bench;

/// <summary>
/// Drives one open-loop run: requests are issued on a fixed schedule (request <c>i</c> is due at <c>i / rate</c>
/// seconds), whatever became of the earlier ones, for <c>window</c>; then every issued request is awaited. Unlike a
/// closed loop, a server that slows down does not slow the offered load down with it: overload stays overload. A
/// thread of its own keeps the schedule, so a busy thread pool delays the requests' work but not their issue; how far
/// behind schedule the pool started each one is measured too.
/// </summary>
internal static class OpenLoad
{
    /// <summary>What a failed request met: its exception's type, and the socket's error under an HTTP one.</summary>
    private static string Reason(Exception e) =>
        e is HttpRequestException { InnerException: System.Net.Sockets.SocketException socket }
            ? $"{e.GetType().Name} ({socket.SocketErrorCode})"
            : e is HttpRequestException { HttpRequestError: var error and not HttpRequestError.Unknown }
                ? $"{e.GetType().Name} ({error})"
                : e.GetType().Name;

    /// <param name="operation">One request, given its index.</param>
    public static async Task<OpenLoadRun> RunAsync(double rate, TimeSpan window, Func<int, Task<ApiReply>> operation)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        var count = Math.Max(1, (int)Math.Round(rate * window.TotalSeconds));
        var ticksPerRequest = Stopwatch.Frequency / rate;
        var samples = new OpenLoadSample[count];
        var requests = new Task[count];
        var maxPendingWorkItems = 0L;
        var maxThreads = 0;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var memory = new MemoryProbe();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();

        async Task One(int i, long due)
        {
            var sent = Stopwatch.GetTimestamp() - started;
            ApiReply reply;
            try
            {
                reply = await operation(i);
            }
#pragma warning disable CA1031 // a failed request is counted with its reason, not fatal to the run
            catch (Exception e)
#pragma warning restore CA1031
            {
                reply = new ApiReply(ApiAnswer.Failed, e is TaskCanceledException ? "client timeout" : Reason(e));
            }

            samples[i] = new OpenLoadSample(due, sent, Stopwatch.GetTimestamp() - started, reply);
        }

        var issuedAll = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var issuer = new Thread(() =>
        {
            var issued = 0;
            while (issued < count)
            {
                var now = Stopwatch.GetTimestamp() - started;
                var due = Math.Min(count, (int)(now / ticksPerRequest) + 1);
                for (; issued < due; issued++)
                {
                    var i = issued;
                    var dueAt = (long)(i * ticksPerRequest);
                    requests[i] = Task.Run(() => One(i, dueAt));
                }

                maxPendingWorkItems = Math.Max(maxPendingWorkItems, ThreadPool.PendingWorkItemCount);
                maxThreads = Math.Max(maxThreads, ThreadPool.ThreadCount);
                Thread.Sleep(1);
            }

            issuedAll.SetResult();
        })
        { IsBackground = true, Name = "bench open-loop issuer", Priority = ThreadPriority.AboveNormal };
        issuer.Start();
        await issuedAll.Task;
        var issuedIn = Stopwatch.GetElapsedTime(started);
        await Task.WhenAll(requests);
        var drained = Stopwatch.GetElapsedTime(started);
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore - memory.OwnAllocatedBytes;
        return new OpenLoadRun(rate, window, issuedIn, drained, samples, maxPendingWorkItems, maxThreads, (double)allocated / count, memory.PeakMb, cpu);
    }
}
