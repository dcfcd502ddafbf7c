using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace TrustChain.Runtime;

/// <summary>
/// The requests this node owns: those running, and those ended within <see cref="TrustChainOptions.Retention"/>
/// (at most <see cref="TrustChainOptions.MaxRetainedRequests"/>), so that an outcome stays readable under its id after
/// its dispatcher has gone, and replies that come after the end (decision acknowledgements, late results) still find
/// the grain to record them.
/// </summary>
public sealed class RequestRegistry : IDisposable
{
    private readonly ConcurrentDictionary<RequestId, RequestActivation> _requests = new();
    private readonly ConcurrentQueue<(RequestActivation Activation, DateTimeOffset ExpiresAt)> _ended = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly int _maxRetained;
    private readonly ITimer _pruning;
    private readonly Lock _arming = new();
    private DateTimeOffset? _pruneAt;
    private int _running;

    public RequestRegistry(IOptions<TrustChainOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _retention = options.Value.Retention;
        _maxRetained = options.Value.MaxRetainedRequests;

        // Retention is enforced on a timer too, so ended requests leave on time even when no new request arrives.
        _pruning = time.CreateTimer(static s => ((RequestRegistry)s!).OnPruneTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _pruning.Dispose();

    /// <summary>Requests running now.</summary>
    public int Count => Volatile.Read(ref _running);

    /// <summary>Requests ended and still readable.</summary>
    public int RetainedCount => _ended.Count;

    public void Add(RequestActivation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        Prune();
        if (!_requests.TryAdd(activation.RequestId, activation))
        {
            throw new InvalidOperationException($"Request {activation.RequestId} is already active.");
        }

        Interlocked.Increment(ref _running);
    }

    /// <summary>A running or retained request.</summary>
    public bool TryGet(RequestId id, out RequestActivation activation) => _requests.TryGetValue(id, out activation!);

    /// <summary>The request has ended: it stays readable for the retention period, then is forgotten.</summary>
    public void Complete(RequestActivation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        if (!_requests.ContainsKey(activation.RequestId))
        {
            return;
        }

        Interlocked.Decrement(ref _running);
        _ended.Enqueue((activation, _time.GetUtcNow() + _retention));
        Prune();
        ArmPruning();
    }

    /// <summary>Forgets a request at once (one that never went out).</summary>
    public void Remove(RequestActivation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        if (_requests.TryRemove(new KeyValuePair<RequestId, RequestActivation>(activation.RequestId, activation)))
        {
            Interlocked.Decrement(ref _running);
            activation.Dispose();
        }
    }

    /// <summary>The running requests.</summary>
    public IReadOnlyList<RequestActivation> All => _requests.Values.Where(a => !a.Completion.IsCompleted).ToList();

    /// <summary>Running and retained requests, newest dispatch first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<RequestActivation> Recent(int limit) =>
        _requests.Values.OrderByDescending(a => a.Task.DispatchedAt).Take(limit).ToList();

    private void OnPruneTimer()
    {
        lock (_arming)
        {
            _pruneAt = null;
        }

        Prune();
        ArmPruning();
    }

    /// <summary>Sets the timer at the oldest ended request's expiry, unless it is set already for no later.</summary>
    private void ArmPruning()
    {
        if (!_ended.TryPeek(out var oldest))
        {
            return;
        }

        lock (_arming)
        {
            if (_pruneAt is { } armed && armed <= oldest.ExpiresAt)
            {
                return;
            }

            _pruneAt = oldest.ExpiresAt;
            var delay = oldest.ExpiresAt - _time.GetUtcNow();
            _pruning.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Ended requests leave in the order they ended: past their retention, or the oldest first when there are more
    /// than the cap, so memory stays bounded whatever the rate.
    /// </summary>
    private void Prune()
    {
        var now = _time.GetUtcNow();
        while (_ended.TryPeek(out var oldest) && (oldest.ExpiresAt <= now || _ended.Count > _maxRetained))
        {
            if (_ended.TryDequeue(out var leaving))
            {
                if (_requests.TryRemove(new KeyValuePair<RequestId, RequestActivation>(leaving.Activation.RequestId, leaving.Activation)))
                {
                    leaving.Activation.Dispose();
                }
            }
        }
    }
}
