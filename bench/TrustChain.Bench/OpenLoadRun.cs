namespace TrustChain.Bench;

/// <summary>One request of an open-loop run: when it was due, when the thread pool started it, when it ended (ticks from the start), and how.</summary>
internal readonly record struct OpenLoadSample(long Due, long Sent, long Done, ApiReply Reply)
{
    /// <summary>From when it was due to its answer: a request the client could not start on time waited too.</summary>
    public long Latency => Done - Due;
}

/// <summary>
/// What an open-loop run issued and how each request ended, with the thread pool's largest backlog and size seen
/// meanwhile, and the process's allocations (per issued request), peak working set and CPU time (client and
/// server, when they share the process).
/// </summary>
internal sealed record OpenLoadRun(
    double Rate,
    TimeSpan Window,
    TimeSpan IssuedIn,
    TimeSpan Drained,
    IReadOnlyList<OpenLoadSample> Samples,
    long MaxPendingWorkItems,
    int MaxThreads,
    double AllocatedBytesPerRequest,
    double PeakWorkingSetMb,
    TimeSpan ProcessCpu);
