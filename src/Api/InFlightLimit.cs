using Microsoft.Extensions.Options;

namespace TrustChain.Api;

/// <summary>
/// Counts the requests dispatched through this API that are still running, up to
/// <see cref="TrustChainApiOptions.MaxInFlight"/>. A slot is taken before dispatch and given back when the outcome is
/// in, whether the client waited for it or not, so memory stays bounded and nothing accepted is ever dropped.
/// </summary>
public sealed class InFlightLimit(IOptions<TrustChainApiOptions> options)
{
    private readonly int _max = options.Value.MaxInFlight;
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public int Max => _max;

    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _count) <= _max)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _count);

    /// <summary>Gives the slot back once <paramref name="outcome"/> is in.</summary>
    public void ExitWhenDone(Task outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        outcome.ContinueWith(static (_, state) => ((InFlightLimit)state!).Exit(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
