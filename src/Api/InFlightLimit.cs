using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace TrustChain.Api;

/// <summary>
/// The requests dispatched through this API that are still running, limited per client
/// (<see cref="TrustChainApiOptions.MaxInFlightPerClient"/>, a partitioned <c>System.Threading.RateLimiting</c>
/// concurrency limiter) and in total (<see cref="NodeInFlightLimit"/>: at most
/// <see cref="TrustChainApiOptions.MaxInFlight"/>, lower while the cluster is slow to start dispatches when
/// <see cref="TrustChainApiOptions.AdaptiveInFlight"/> is on, never below one client's share). A client is its API key
/// when keys are set (<see cref="ApiKeyMiddleware.ClientOf"/>), else its remote address. A slot is taken before
/// dispatch and given back when the outcome is in, whether the client waited for it or not (a 202 keeps its slot until
/// its request ends), so one client cannot starve the others, memory stays bounded, and nothing accepted is ever
/// dropped.
/// </summary>
public sealed class InFlightLimit : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perClient;
    private readonly NodeInFlightLimit _node;

    public InFlightLimit(IOptions<TrustChainApiOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var o = options.Value;
        Max = o.MaxInFlight;
        MaxPerClient = o.EffectiveMaxInFlightPerClient;
        var perClient = MaxPerClient;

        // No queue: a dispatch past either limit is refused at once with 429 and Retry-After, never held open.
        _perClient = PartitionedRateLimiter.Create<string, string>(client =>
            RateLimitPartition.GetConcurrencyLimiter(client, _ => new ConcurrencyLimiterOptions { PermitLimit = perClient, QueueLimit = 0 }));

        // The node never limits itself below one client's share: a lone client always gets all of it, and the limit
        // adapts only where several clients together would push the node past what its cluster serves.
        _node = new NodeInFlightLimit(MaxPerClient, Max, o.AdaptiveInFlight ? o.StartLatencyTarget : null, time);
    }

    /// <summary>The most requests in flight through this API (<see cref="TrustChainApiOptions.MaxInFlight"/>).</summary>
    public int Max { get; }

    /// <summary>The most requests in flight through this API now: <see cref="Max"/>, or lower while the cluster is slow.</summary>
    public int Limit => _node.Limit;

    /// <summary>The requests in flight through this API now.</summary>
    public int InFlight => _node.InFlight;

    /// <summary>The most requests in flight through this API for one client.</summary>
    public int MaxPerClient { get; }

    /// <summary>
    /// A slot for <paramref name="client"/>, or the reason there is none: its share is full, or the node's total is.
    /// Call <see cref="InFlightSlot.Started"/> once the dispatch has started; dispose the slot once the request's
    /// outcome is in.
    /// </summary>
    public (InFlightSlot? Slot, InFlightRefusal Refusal) TryEnter(string client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var share = _perClient.AttemptAcquire(client);
        if (!share.IsAcquired)
        {
            share.Dispose();
            return (null, InFlightRefusal.ClientShareFull);
        }

        if (!_node.TryEnter())
        {
            share.Dispose();
            return (null, InFlightRefusal.NodeFull);
        }

        return (new InFlightSlot(share, _node), InFlightRefusal.None);
    }

    /// <summary>
    /// Why <paramref name="client"/> would find no slot right now, without taking one: a dispatch that would be refused
    /// anyway is refused before its body is read, parsed and checked, so that under overload, where most calls are
    /// refused, refusing costs little next to serving. Not binding: a slot free now may be gone by the time the
    /// checked dispatch asks for it, and <see cref="TryEnter"/> decides.
    /// </summary>
    public InFlightRefusal Peek(string client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (_perClient.GetStatistics(client) is { CurrentAvailablePermits: <= 0 })
        {
            return InFlightRefusal.ClientShareFull;
        }

        return _node.IsFull ? InFlightRefusal.NodeFull : InFlightRefusal.None;
    }

    /// <summary>Gives the slot back once <paramref name="outcome"/> is in, telling the node how the request ended.</summary>
    public static void ExitWhenDone(InFlightSlot slot, Task<RequestOutcome> outcome)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentNullException.ThrowIfNull(outcome);
        outcome.ContinueWith(
            static (done, state) =>
            {
                var slot = (InFlightSlot)state!;
                try
                {
                    if (done.IsCompletedSuccessfully)
                    {
                        slot.Ended(done.Result);
                    }
                }
                finally
                {
                    slot.Dispose();
                }
            },
            slot,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public void Dispose() => _perClient.Dispose();
}

/// <summary>Why a dispatch found no in-flight slot.</summary>
public enum InFlightRefusal
{
    None,

    /// <summary>The client already runs its share (<c>TrustChain:Api:MaxInFlightPerClient</c>).</summary>
    ClientShareFull,

    /// <summary>The node already runs its total (<c>TrustChain:Api:MaxInFlight</c>, or lower while the cluster is slow).</summary>
    NodeFull,
}
