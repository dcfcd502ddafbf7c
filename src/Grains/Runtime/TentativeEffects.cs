using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using TrustChain.Messages;

namespace TrustChain.Runtime;

/// <summary>
/// The tentative side effects this node's workers hold, per request and worker, from the worker's result until the
/// decision (DESIGN.md, step 7). Each set is applied once: Commit runs its commit actions, Abort its undo actions, and
/// a set that gets no decision within the TTL is undone on its own, logged and counted. A settled or expired set is
/// remembered for one more TTL, so that a redelivered or late decision is answered without doing anything twice.
/// </summary>
internal sealed partial class TentativeEffects(TimeProvider time, TimeSpan ttl, ILogger logger) : IDisposable
{
    // By request: a decision finds its parts without looking at every part held here (they stay for two TTLs).
    private readonly ConcurrentDictionary<RequestId, RequestHoldings> _held = new();
    private long _expired;

    /// <summary>Sets still waiting for their decision.</summary>
    public int Waiting => _held.Values.Sum(r => r.Snapshot().Count(h => h.State == HoldingState.Waiting));

    /// <summary>Sets undone because their TTL ran out, since the node started.</summary>
    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>
    /// Keeps a worker's part of a request until the decision: its effects (possibly none, so that it still
    /// acknowledges) and the nested requests it dispatched, which will be decided the same way.
    /// </summary>
    public void Hold(RequestId request, string worker, IReadOnlyList<TentativeEffect> effects, IReadOnlyList<RequestId> children)
    {
        var holding = new Holding(request, worker, effects, children);
        if (!TryAdd(holding))
        {
            // The first hold of this worker's part answers for it; a second set for the same part cannot be decided apart.
            LogHeldTwice(request, worker);
            _ = DropAsync(request, worker, effects);
            return;
        }

        holding.Timer = time.CreateTimer(static s => ((Holding)s!).Owner!.OnTimer((Holding)s), holding, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        holding.Owner = this;
        holding.Timer.Change(ttl, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Undoes effects that will never be decided (the grain refused the verdict, or the work was handed back).</summary>
    public async Task DropAsync(RequestId request, string worker, IReadOnlyList<TentativeEffect> effects)
    {
        if (effects.Count > 0)
        {
            await RunAsync(request, worker, effects, commit: false).ConfigureAwait(false);
            LogDropped(request, worker, effects.Count);
        }
    }

    /// <summary>
    /// Applies a decision to every part of the request held here; answers an acknowledgement per part, with the nested
    /// requests to decide next (only on the first application).
    /// </summary>
    public async Task<IReadOnlyList<(DecisionAck Ack, IReadOnlyList<RequestId> Children)>> ApplyAsync(DecisionMessage decision, string instance)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var answers = new List<(DecisionAck, IReadOnlyList<RequestId>)>();
        if (!_held.TryGetValue(decision.RequestId, out var parts))
        {
            return answers;
        }

        foreach (var holding in parts.Snapshot())
        {
            var key = (Request: holding.Request, Worker: holding.Worker);
            DecisionAckStatus status;
            lock (holding)
            {
                status = holding.State switch
                {
                    HoldingState.Waiting => DecisionAckStatus.Applied,
                    HoldingState.Settled => DecisionAckStatus.AlreadyApplied,
                    _ => DecisionAckStatus.Expired,
                };
                if (status == DecisionAckStatus.Applied)
                {
                    holding.State = HoldingState.Settled;
                }
            }

            IReadOnlyList<RequestId> children = [];
            if (status == DecisionAckStatus.Applied)
            {
                holding.Detail = await RunAsync(key.Request, key.Worker, holding.Effects, decision.Decision == Decision.Commit).ConfigureAwait(false);
                holding.Timer?.Change(ttl, Timeout.InfiniteTimeSpan); // then forgotten
                children = holding.Children;
                LogApplied(key.Request, key.Worker, decision.Decision, holding.Effects.Count);
            }
            else if (status == DecisionAckStatus.Expired && decision.Decision == Decision.Commit)
            {
                LogCommitAfterExpiry(key.Request, key.Worker);
            }

            DecisionMetrics.Acknowledged(decision.Decision, status);
            answers.Add((new DecisionAck(key.Request, key.Worker, instance, decision.Decision, status, time.GetUtcNow(), holding.Detail), children));
        }

        return answers;
    }

    public void Dispose()
    {
        foreach (var holding in _held.Values.SelectMany(r => r.Snapshot()))
        {
            holding.Timer?.Dispose();
        }

        _held.Clear();
    }

    private void OnTimer(Holding holding)
    {
        bool expire;
        lock (holding)
        {
            expire = holding.State == HoldingState.Waiting;
            if (expire)
            {
                holding.State = HoldingState.Expired;
            }
        }

        if (!expire)
        {
            // Remembered for a TTL after it settled or expired: long enough for any redelivered decision.
            Remove(holding);
            holding.Timer?.Dispose();
            return;
        }

        Interlocked.Increment(ref _expired);
        DecisionMetrics.ExpiredOne(holding.Worker);
        LogExpired(holding.Request, holding.Worker, ttl, holding.Effects.Count);
        holding.Timer?.Change(ttl, Timeout.InfiniteTimeSpan);
        _ = ExpireAsync(holding);
    }

    private bool TryAdd(Holding holding)
    {
        while (true)
        {
            var parts = _held.GetOrAdd(holding.Request, static _ => new RequestHoldings());
            lock (parts)
            {
                if (parts.Removed)
                {
                    continue; // emptied and dropped meanwhile: start a new set for the request
                }

                if (parts.Items.Exists(h => h.Worker == holding.Worker))
                {
                    return false;
                }

                parts.Items.Add(holding);
                return true;
            }
        }
    }

    private void Remove(Holding holding)
    {
        if (!_held.TryGetValue(holding.Request, out var parts))
        {
            return;
        }

        lock (parts)
        {
            parts.Items.Remove(holding);
            if (parts.Items.Count == 0)
            {
                parts.Removed = true;
                _held.TryRemove(new KeyValuePair<RequestId, RequestHoldings>(holding.Request, parts));
            }
        }
    }

    private async Task ExpireAsync(Holding holding) =>
        holding.Detail = await RunAsync(holding.Request, holding.Worker, holding.Effects, commit: false).ConfigureAwait(false);

    /// <summary>Runs every effect's commit or undo action; a failing action is logged and does not stop the others.</summary>
    /// <returns>The effects' descriptions, for the acknowledgement.</returns>
    private async Task<string?> RunAsync(RequestId request, string worker, IReadOnlyList<TentativeEffect> effects, bool commit)
    {
        var details = new List<string>();
        foreach (var effect in effects)
        {
            try
            {
                var action = commit ? effect.OnCommit : effect.OnAbort;
                if (action is not null)
                {
                    await action().ConfigureAwait(false);
                }

                if (effect.Description is { } description)
                {
                    details.Add(description);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogEffectFailed(ex, request, worker, commit ? Decision.Commit : Decision.Abort);
                details.Add($"{effect.Description ?? "effect"} ({(commit ? "commit" : "undo")} failed: {ex.Message})");
            }
        }

        return details.Count == 0 ? null : string.Join("; ", details);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Worker} applied {Decision} to its {Effects} tentative effect(s) of {RequestId}")]
    private partial void LogApplied(RequestId requestId, string worker, Decision decision, int effects);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker}'s {Effects} tentative effect(s) of {RequestId} got no decision within {Ttl}; undone")]
    private partial void LogExpired(RequestId requestId, string worker, TimeSpan ttl, int effects);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} received Commit for {RequestId} after its tentative effects expired and were undone")]
    private partial void LogCommitAfterExpiry(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker} undid {Effects} tentative effect(s) of {RequestId}: they will never be decided")]
    private partial void LogDropped(RequestId requestId, string worker, int effects);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} already holds effects of {RequestId} on this node; the newer ones are undone")]
    private partial void LogHeldTwice(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Error, Message = "A tentative effect of {Worker} on {RequestId} failed to apply {Decision}")]
    private partial void LogEffectFailed(Exception exception, RequestId requestId, string worker, Decision decision);

    private enum HoldingState
    {
        Waiting,
        Settled,
        Expired,
    }

    /// <summary>The parts of one request held here, one per worker.</summary>
    private sealed class RequestHoldings
    {
        public List<Holding> Items { get; } = new(1);

        /// <summary>Emptied and taken out of the index: a later hold must start a new set.</summary>
        public bool Removed { get; set; }

        public Holding[] Snapshot()
        {
            lock (this)
            {
                return [.. Items];
            }
        }
    }

    private sealed class Holding(RequestId request, string worker, IReadOnlyList<TentativeEffect> effects, IReadOnlyList<RequestId> children)
    {
        public RequestId Request { get; } = request;

        public string Worker { get; } = worker;

        public IReadOnlyList<TentativeEffect> Effects { get; } = effects;

        public IReadOnlyList<RequestId> Children { get; } = children;

        public HoldingState State { get; set; }

        public string? Detail { get; set; }

        public ITimer? Timer { get; set; }

        public TentativeEffects? Owner { get; set; }
    }
}
