using System.Threading.RateLimiting;

namespace TrustChain.Api;

/// <summary>
/// One request's place among those in flight through this API: its client's share (a concurrency lease) and the
/// node's place. Given back once, when disposed.
/// </summary>
public sealed class InFlightSlot : IDisposable
{
    private readonly RateLimitLease _share;
    private readonly NodeInFlightLimit _node;
    private readonly long _enteredAt;
    private int _disposed;

    internal InFlightSlot(RateLimitLease share, NodeInFlightLimit node)
    {
        _share = share;
        _node = node;
        _enteredAt = node.Now();
    }

    /// <summary>The dispatch has started (its request's grain took it): how long that took adapts the node's limit.</summary>
    public void Started() => _node.Started(_enteredAt);

    /// <summary>The request ended with <paramref name="outcome"/>: a verdict it missed adapts the node's limit.</summary>
    public void Ended(RequestOutcome outcome) => _node.Ended(_enteredAt, NodeInFlightLimit.MissedAVerdict(outcome));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _node.Exit();
            _share.Dispose();
        }
    }
}
