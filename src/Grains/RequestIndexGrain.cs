using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Concurrency;

namespace TrustChain.Grains;

/// <summary>
/// The cluster's recent requests, newest first, at most <see cref="TrustChainOptions.MaxRetainedRequests"/> and, of
/// ended ones, at most <see cref="TrustChainOptions.MaxRetainedBytes"/> as their grains estimate what they retain: the
/// oldest ended ones leave first, and each is told to forget its state, so memory stays bounded whatever the rate and
/// whatever the size of the results. Bytes only grow when a request ends, which is when the bounds are enforced;
/// age is each request grain's own retention timer, which fires whether or not new requests arrive.
/// </summary>
[Reentrant]
internal sealed class RequestIndexGrain(IOptions<TrustChainOptions> options) : Grain, IRequestIndexGrain
{
    private readonly LinkedList<RequestIndexEntry> _entries = new();
    private readonly Dictionary<RequestId, LinkedListNode<RequestIndexEntry>> _byId = [];
    private readonly int _max = options.Value.MaxRetainedRequests;
    private readonly long _maxBytes = options.Value.MaxRetainedBytes;
    private int _ended;
    private long _bytes;

    public Task OnStartedAsync(RequestIndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!_byId.ContainsKey(entry.RequestId))
        {
            _byId[entry.RequestId] = _entries.AddFirst(entry);
            Prune();
        }

        return Task.CompletedTask;
    }

    public Task OnEndedAsync(RequestIndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_byId.TryGetValue(entry.RequestId, out var node))
        {
            Uncount(node.Value);
            node.Value = entry;
        }
        else
        {
            // Its start was never listed (this index activation is newer than the request): listed now, in its place
            // by dispatch time, so that its bytes count.
            _byId[entry.RequestId] = InsertByDispatchTime(entry);
        }

        Count(entry);
        Prune();
        return Task.CompletedTask;
    }

    public Task OnForgottenAsync(RequestId requestId)
    {
        if (_byId.Remove(requestId, out var node))
        {
            Uncount(node.Value);
            _entries.Remove(node);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RequestIndexEntry>> RecentAsync(int limit) =>
        Task.FromResult<IReadOnlyList<RequestIndexEntry>>(_entries.Take(Math.Max(0, limit)).ToList());

    public Task<RetainedRequests> RetainedAsync() => Task.FromResult(new RetainedRequests(_entries.Count, _ended, _bytes));

    private LinkedListNode<RequestIndexEntry> InsertByDispatchTime(RequestIndexEntry entry)
    {
        var newer = _entries.First;
        while (newer is not null && newer.Value.DispatchedAt > entry.DispatchedAt)
        {
            newer = newer.Next;
        }

        return newer is null ? _entries.AddLast(entry) : _entries.AddBefore(newer, entry);
    }

    private void Count(RequestIndexEntry entry)
    {
        if (entry.CompletedAt is not null)
        {
            _ended++;
            _bytes += Math.Max(0, entry.RetainedBytes);
        }
    }

    private void Uncount(RequestIndexEntry entry)
    {
        if (entry.CompletedAt is not null)
        {
            _ended--;
            _bytes -= Math.Max(0, entry.RetainedBytes);
        }
    }

    /// <summary>Forgets the oldest ended requests while either bound is passed; running ones are never forgotten.</summary>
    private void Prune()
    {
        var node = _entries.Last;
        while ((_entries.Count > _max || _bytes > _maxBytes) && node is not null)
        {
            var previous = node.Previous;
            if (node.Value.CompletedAt is not null)
            {
                Uncount(node.Value);
                _entries.Remove(node);
                _byId.Remove(node.Value.RequestId);
                GrainFactory.GetGrain<IRequestGrain>(node.Value.RequestId.Value).ForgetAsync().Ignore();
            }

            node = previous;
        }
    }
}
