using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace TrustChain.Workers;

/// <summary>
/// How many tasks of each worker this silo works on at once (<see cref="TrustChainOptions.WorkerConcurrency"/>).
/// Only work waits for a slot; a verdict never does, so load can never pass for a worker's silence.
/// </summary>
internal sealed class WorkerSlots(IOptions<TrustChainOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _slots = new(StringComparer.Ordinal);

    public SemaphoreSlim For(string worker) =>
        _slots.GetOrAdd(worker, static (_, concurrency) => new SemaphoreSlim(concurrency, concurrency), options.Value.WorkerConcurrency);

    public void Dispose()
    {
        foreach (var slots in _slots.Values)
        {
            slots.Dispose();
        }
    }
}
