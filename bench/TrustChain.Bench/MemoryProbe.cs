namespace TrustChain.Bench;

/// <summary>
/// Samples the process's working set while a run goes, for its peak (the OS peak counter never resets). It runs on a
/// thread of its own and counts what its sampling allocates, so that runs can leave it out of their figures.
/// </summary>
internal sealed class MemoryProbe : IDisposable
{
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _thread;
    private long _peak;
    private long _ownAllocated;

    public MemoryProbe()
    {
        _peak = Environment.WorkingSet;
        _thread = new Thread(Sample) { IsBackground = true, Name = "bench memory probe" };
        _thread.Start();
    }

    public double PeakMb => Math.Max(Interlocked.Read(ref _peak), Environment.WorkingSet) / (1024.0 * 1024.0);

    /// <summary>Bytes the probe itself allocated so far.</summary>
    public long OwnAllocatedBytes => Interlocked.Read(ref _ownAllocated);

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _stop.Dispose();
    }

    private void Sample()
    {
        var start = GC.GetAllocatedBytesForCurrentThread();
        while (!_stop.Wait(TimeSpan.FromMilliseconds(25)))
        {
            var now = Environment.WorkingSet;
            if (now > Interlocked.Read(ref _peak))
            {
                Interlocked.Exchange(ref _peak, now);
            }

            Interlocked.Exchange(ref _ownAllocated, GC.GetAllocatedBytesForCurrentThread() - start);
        }
    }
}
