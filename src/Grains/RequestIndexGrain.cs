using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Concurrency;

namespace TrustChain.Grains;

/// <summary>
/// The cluster's recent requests, newest first, at most <see cref="TrustChainOptions.MaxRetainedRequests"/>: the
/// oldest ended ones leave first, and each is told to forget its state, so memory stays bounded whatever the rate.
/// </summary>
[Reentrant]
internal sealed class RequestIndexGrain(IOptions<TrustChainOptions> options) : Grain, IRequestIndexGrain
{
    private readonly LinkedList<RequestIndexEntry> _entries = new();
    private readonly Dictionary<RequestId, LinkedListNode<RequestIndexEntry>> _byId = [];
    private readonly int _max = options.Value.MaxRetainedRequests;

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
            node.Value = entry;
        }

        return Task.CompletedTask;
    }

    public Task OnForgottenAsync(RequestId requestId)
    {
        if (_byId.Remove(requestId, out var node))
        {
            _entries.Remove(node);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RequestIndexEntry>> RecentAsync(int limit) =>
        Task.FromResult<IReadOnlyList<RequestIndexEntry>>(_entries.Take(Math.Max(0, limit)).ToList());

    private void Prune()
    {
        var node = _entries.Last;
        while (_entries.Count > _max && node is not null)
        {
            var previous = node.Previous;
            if (node.Value.CompletedAt is not null)
            {
                _entries.Remove(node);
                _byId.Remove(node.Value.RequestId);
                GrainFactory.GetGrain<IRequestGrain>(node.Value.RequestId.Value).ForgetAsync().Ignore();
            }

            node = previous;
        }
    }
}
