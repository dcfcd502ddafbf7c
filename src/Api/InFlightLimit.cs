using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace TrustChain.Api;

/// <summary>
/// The requests dispatched through this API that are still running, limited per client
/// (<see cref="TrustChainApiOptions.MaxInFlightPerClient"/>) and in total (<see cref="TrustChainApiOptions.MaxInFlight"/>)
/// with <c>System.Threading.RateLimiting</c>: a partitioned concurrency limiter per client chained with one for the
/// node. A client is its API key when keys are set (<see cref="ApiKeyMiddleware.ClientOf"/>), else its remote
/// address. A lease is taken before dispatch and given back when the outcome is in, whether the client waited for it
/// or not (a 202 keeps its slot until its request ends), so one client cannot starve the others, memory stays
/// bounded, and nothing accepted is ever dropped.
/// </summary>
public sealed class InFlightLimit : IDisposable
{
    private const string Node = "node";

    private readonly PartitionedRateLimiter<string> _perClient;
    private readonly PartitionedRateLimiter<string> _total;
    private readonly PartitionedRateLimiter<string> _chained;

    public InFlightLimit(IOptions<TrustChainApiOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Max = options.Value.MaxInFlight;
        MaxPerClient = options.Value.EffectiveMaxInFlightPerClient;
        var perClient = MaxPerClient;
        var total = Max;

        // No queue: a dispatch past either limit is refused at once with 429 and Retry-After, never held open.
        _perClient = PartitionedRateLimiter.Create<string, string>(client =>
            RateLimitPartition.GetConcurrencyLimiter(client, _ => new ConcurrencyLimiterOptions { PermitLimit = perClient, QueueLimit = 0 }));
        _total = PartitionedRateLimiter.Create<string, string>(_ =>
            RateLimitPartition.GetConcurrencyLimiter(Node, _ => new ConcurrencyLimiterOptions { PermitLimit = total, QueueLimit = 0 }));
        _chained = PartitionedRateLimiter.CreateChained(_perClient, _total);
    }

    /// <summary>The most requests in flight through this API.</summary>
    public int Max { get; }

    /// <summary>The most requests in flight through this API for one client.</summary>
    public int MaxPerClient { get; }

    /// <summary>
    /// A slot for <paramref name="client"/>, or the reason there is none: its share is full, or the node's total is.
    /// Dispose the lease once the request's outcome is in.
    /// </summary>
    public (RateLimitLease? Lease, InFlightRefusal Refusal) TryEnter(string client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var lease = _chained.AttemptAcquire(client);
        if (lease.IsAcquired)
        {
            return (lease, InFlightRefusal.None);
        }

        lease.Dispose();
        var share = _perClient.GetStatistics(client);
        return (null, share is { CurrentAvailablePermits: <= 0 } ? InFlightRefusal.ClientShareFull : InFlightRefusal.NodeFull);
    }

    /// <summary>Gives the slot back once <paramref name="outcome"/> is in.</summary>
    public static void ExitWhenDone(RateLimitLease lease, Task outcome)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(outcome);
        outcome.ContinueWith(static (_, state) => ((RateLimitLease)state!).Dispose(), lease, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public void Dispose()
    {
        _chained.Dispose();
        _perClient.Dispose();
        _total.Dispose();
    }
}

/// <summary>Why a dispatch found no in-flight slot.</summary>
public enum InFlightRefusal
{
    None,

    /// <summary>The client already runs its share (<c>TrustChain:Api:MaxInFlightPerClient</c>).</summary>
    ClientShareFull,

    /// <summary>The node already runs its total (<c>TrustChain:Api:MaxInFlight</c>).</summary>
    NodeFull,
}
