using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace TrustChain.Grains;

/// <summary>
/// The cluster's recent requests, newest first, at most <see cref="TrustChainOptions.MaxRetainedRequests"/> and, of
/// ended ones, at most <see cref="TrustChainOptions.MaxRetainedBytes"/> as their grains estimate what they retain: the
/// oldest ended ones leave first, and each is told to forget its state, so memory stays bounded whatever the rate and
/// whatever the size of the results. Bytes only grow when a request ends, which is when the bounds are enforced;
/// age is each request grain's own retention timer, which fires whether or not new requests arrive, and the index's
/// too, as requests start and end: an ended request whose activation went with its silo has no timer any more.
/// </summary>
/// <remarks>
/// Kept in TrustChain's grain storage (Redis in a cluster), written at most once per <see cref="SaveEvery"/> while it
/// changes, so that the list outlives the silo that held it; what changed in the last moment before a silo died comes
/// back as the requests concerned reactivate (each tells the index again).
/// </remarks>
[Reentrant]
internal sealed partial class RequestIndexGrain(
    [PersistentState("index", TrustChainOptions.StorageName)] IPersistentState<RequestIndexState> state,
    IOptions<TrustChainOptions> options,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider time,
    ILogger<RequestIndexGrain> logger) : Grain, IRequestIndexGrain
{
    /// <summary>How often, at most, the list is written while it changes.</summary>
    public static readonly TimeSpan SaveEvery = TimeSpan.FromSeconds(1);

    private readonly LinkedList<RequestIndexEntry> _entries = new();
    private readonly Dictionary<RequestId, LinkedListNode<RequestIndexEntry>> _byId = [];
    private readonly int _max = options.Value.MaxRetainedRequests;
    private readonly long _maxBytes = options.Value.MaxRetainedBytes;
    private readonly TimeSpan _retention = options.Value.Retention;
    private int _ended;
    private long _bytes;
    private IGrainTimer? _save;
    private bool _dirty;
    private bool _saving;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in state.State.Entries)
        {
            if (!_byId.ContainsKey(entry.RequestId))
            {
                _byId[entry.RequestId] = _entries.AddLast(entry);
                Count(entry);
            }
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            await SaveAsync(cancellationToken).ConfigureAwait(true);
        }
    }

    public Task OnStartedAsync(RequestIndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (Insert(entry))
        {
            Prune();
            Changed();
        }

        return Task.CompletedTask;
    }

    /// <summary>Newest first by dispatch time: a request that tells again (it reactivated) goes back to its place.</summary>
    private bool Insert(RequestIndexEntry entry)
    {
        if (_byId.ContainsKey(entry.RequestId))
        {
            return false;
        }

        var after = _entries.First;
        while (after is not null && after.Value.DispatchedAt > entry.DispatchedAt)
        {
            after = after.Next;
        }

        _byId[entry.RequestId] = after is null ? _entries.AddLast(entry) : _entries.AddBefore(after, entry);
        Count(entry);
        return true;
    }

    public Task OnEndedAsync(RequestIndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_byId.TryGetValue(entry.RequestId, out var node))
        {
            if (node.Value != entry)
            {
                Uncount(node.Value);
                node.Value = entry;
                Count(entry);
                Changed();
            }
        }
        else
        {
            // Its start was never listed (this index activation is newer than the request): listed now, in its place
            // by dispatch time, so that its bytes count.
            Insert(entry);
            Changed();
        }

        Prune();
        return Task.CompletedTask;
    }

    public Task OnForgottenAsync(RequestId requestId)
    {
        if (_byId.Remove(requestId, out var node))
        {
            Uncount(node.Value);
            _entries.Remove(node);
            Changed();
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RequestIndexEntry>> RecentAsync(int limit) =>
        Task.FromResult<IReadOnlyList<RequestIndexEntry>>(_entries.Take(Math.Max(0, limit)).ToList());

    public Task<RetainedRequests> RetainedAsync() => Task.FromResult(new RetainedRequests(_entries.Count, _ended, _bytes));

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

    private void Changed()
    {
        _dirty = true;
        _save ??= this.RegisterGrainTimer(OnSaveTimerAsync, new GrainTimerCreationOptions(SaveEvery, SaveEvery) { Interleave = false, KeepAlive = true });
    }

    private async Task OnSaveTimerAsync(CancellationToken cancellationToken)
    {
        if (!_dirty)
        {
            // Nothing changed for a whole period: the timer stops until the next change.
            _save?.Dispose();
            _save = null;
            return;
        }

        await SaveAsync(cancellationToken).ConfigureAwait(true);
    }

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        if (_saving)
        {
            return;
        }

        _saving = true;
        _dirty = false;
        try
        {
            state.State.Entries = [.. _entries];
            await state.WriteStateAsync(cancellationToken).ConfigureAwait(true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Another activation wrote first (a failover), or the storage is away: read back what is stored next
            // time, and write again at the next tick.
            _dirty = true;
            LogSaveFailed(ex);
            if (ex is Orleans.Storage.InconsistentStateException)
            {
                // Both lists count: what the other activation stored joins this one.
                await state.ReadStateAsync(cancellationToken).ConfigureAwait(true);
                foreach (var entry in state.State.Entries)
                {
                    Insert(entry);
                }

                Prune();
            }
        }
        finally
        {
            _saving = false;
        }
    }

    /// <summary>
    /// Forgets the oldest ended requests while either bound is passed, and those ended longer than the retention ago;
    /// running ones are never forgotten.
    /// </summary>
    private void Prune()
    {
        var node = _entries.Last;
        var retainedSince = time.GetUtcNow() - _retention;
        // Newest first by dispatch time: only a request dispatched before the retention began can have ended before it.
        while (node is not null && (_entries.Count > _max || _bytes > _maxBytes || node.Value.DispatchedAt <= retainedSince))
        {
            var previous = node.Previous;
            var expired = node.Value.CompletedAt <= retainedSince;
            if (node.Value.CompletedAt is not null && (expired || _entries.Count > _max || _bytes > _maxBytes))
            {
                Uncount(node.Value);
                _entries.Remove(node);
                Changed();
                _byId.Remove(node.Value.RequestId);
                GrainFactory.Grain<IRequestGrain>(node.Value.RequestId.Value).ForgetAsync().Ignore();
            }

            node = previous;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The list of recent requests could not be saved; trying again")]
    private partial void LogSaveFailed(Exception exception);
}

/// <summary>What the index keeps in storage: its entries, newest first.</summary>
[GenerateSerializer]
public sealed class RequestIndexState
{
    [Id(0)]
    public List<RequestIndexEntry> Entries { get; set; } = [];
}
