using System.Diagnostics;
using System.Runtime.CompilerServices;
using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Telemetry;

namespace TrustChain.Runtime;

/// <summary>
/// Hosts one <see cref="RequestGrain"/>: lets one transition in at a time and fires the grain's timer when
/// <see cref="RequestGrain.NextDueAt"/> comes. This is the only place where the grain meets concurrency and time.
/// </summary>
public sealed class RequestActivation : IDisposable
{
    private readonly Lock _gate = new();
    private readonly RequestGrain _grain;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly RequestTelemetry _telemetry;
    private readonly TaskCompletionSource<RequestOutcome> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset? _timerDueAt;
    // Made when a watcher waits, not on every transition: most requests are never watched.
    private TaskCompletionSource? _journalGrew;
    private long _journalSeen;
    private bool _disposed;

    /// <param name="span">The request's span, if traced: the journal's steps become its events. Its owner stops it.</param>
    public RequestActivation(RequestGrain grain, TimeProvider time, Activity? span = null)
    {
        _grain = grain ?? throw new ArgumentNullException(nameof(grain));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _telemetry = new RequestTelemetry(grain.Task, span);
        _timer = time.CreateTimer(static state => ((RequestActivation)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            AfterTransition();
        }
    }

    public RequestId RequestId => _grain.Id;

    public TaskMessage Task => _grain.Task;

    /// <summary>Completes once with the grain's outcome.</summary>
    public Task<RequestOutcome> Completion => _completion.Task;

    /// <summary>Whether replies must be signed to count; a host checks signatures only then.</summary>
    public Signing.SigningPolicy Signing => _grain.Signing;

    /// <inheritdoc cref="RequestGrain.OnVerdict"/>
    public VerdictReply OnVerdict(VerdictMessage verdict, RejectionReason? signatureProblem = null)
    {
        lock (_gate)
        {
            var reply = _grain.OnVerdict(verdict, signatureProblem);
            AfterTransition();
            if (reply.Reason is { } reason)
            {
                TrustChainMetrics.ReplyRejected(_grain.Task.Topic, reason, "verdict");
            }

            return reply;
        }
    }

    /// <inheritdoc cref="RequestGrain.OnResult"/>
    public RejectionReason? OnResult(ResultMessage result, RejectionReason? signatureProblem = null)
    {
        lock (_gate)
        {
            var rejection = _grain.OnResult(result, signatureProblem);
            AfterTransition();
            if (rejection is { } reason)
            {
                // Counted here rather than from the journal: a reply refused because the request had ended is not
                // journaled (nothing may follow the outcome but its decision), yet it is a rejection all the same.
                TrustChainMetrics.ReplyRejected(_grain.Task.Topic, reason, "result");
            }

            return rejection;
        }
    }

    public bool OnLeaseRenewal(LeaseRenewal renewal)
    {
        lock (_gate)
        {
            var renewed = _grain.OnLeaseRenewal(renewal);
            AfterTransition();
            return renewed;
        }
    }

    public bool OnChildDispatched(ChildDispatched child)
    {
        lock (_gate)
        {
            var recorded = _grain.OnChildDispatched(child);
            AfterTransition();
            return recorded;
        }
    }

    public bool Cancel()
    {
        lock (_gate)
        {
            var cancelled = _grain.Cancel();
            AfterTransition();
            return cancelled;
        }
    }

    /// <inheritdoc cref="RequestGrain.Decide"/>
    public bool Decide(Decision decision, string reason)
    {
        lock (_gate)
        {
            var decided = _grain.Decide(decision, reason);
            AfterTransition();
            return decided;
        }
    }

    /// <inheritdoc cref="RequestGrain.OnDecisionAck"/>
    public bool OnDecisionAck(DecisionAck ack)
    {
        lock (_gate)
        {
            var recorded = _grain.OnDecisionAck(ack);
            AfterTransition();
            return recorded;
        }
    }

    /// <summary>
    /// The state (decision and acknowledgements included) once <paramref name="condition"/> holds for it, e.g. every
    /// participant acknowledged the decision. Waits on the journal, so it wakes on each step and never polls.
    /// </summary>
    public async Task<RequestOutcome> WaitForAsync(Func<RequestOutcome, bool> condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        while (true)
        {
            RequestOutcome state;
            Task grew;
            lock (_gate)
            {
                state = _grain.Snapshot();
                grew = JournalGrew();
            }

            if (condition(state))
            {
                return state;
            }

            await grew.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public RequestOutcome Snapshot()
    {
        lock (_gate)
        {
            return _grain.Snapshot();
        }
    }

    /// <summary>The journal after <paramref name="sequence"/> (0 for all of it), and whether the request has ended.</summary>
    public (IReadOnlyList<RequestEvent> Events, bool Ended) EventsAfter(long sequence)
    {
        lock (_gate)
        {
            return (_grain.EventsAfter(sequence), _grain.IsCompleted);
        }
    }

    /// <summary>
    /// The journal after <paramref name="sequence"/>, then each event as it is recorded, ending after
    /// <see cref="RequestEventKind.Completed"/>. A late reader first gets everything it missed.
    /// </summary>
    public async IAsyncEnumerable<RequestEvent> WatchAsync(long sequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var seen = sequence;
        while (true)
        {
            IReadOnlyList<RequestEvent> batch;
            Task grew;
            bool ended;
            lock (_gate)
            {
                batch = _grain.EventsAfter(seen);
                grew = JournalGrew();
                ended = _grain.IsCompleted;
            }

            foreach (var entry in batch)
            {
                seen = entry.Sequence;
                yield return entry;
            }

            if (ended)
            {
                yield break;
            }

            await grew.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The interested workers that had not replied when the request ended: they must be told to stop.</summary>
    public IReadOnlyList<string> WorkersStillWorking()
    {
        lock (_gate)
        {
            return _grain.WorkersStillWorking();
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            if (!_disposed && _grain.Outcome is null)
            {
                // Forgotten before it ended (its task never went out): no longer in flight, and no outcome to count.
                _telemetry.Abandoned();
            }

            _disposed = true;
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _timerDueAt = null;
            _grain.OnTimer();
            AfterTransition();
        }
    }

    /// <summary>The signal of the journal's next growth; call with the gate held.</summary>
    private Task JournalGrew() => (_journalGrew ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private void AfterTransition()
    {
        if (_grain.LastSequence != _journalSeen)
        {
            _telemetry.Observe(_grain.Events, (int)_journalSeen);

            // Watchers wait on the current signal; the next watcher to look makes a fresh one.
            _journalSeen = _grain.LastSequence;
            var grew = _journalGrew;
            _journalGrew = null;
            grew?.TrySetResult();
        }

        if (_grain.Outcome is { } outcome)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _completion.TrySetResult(outcome);
            return;
        }

        var due = _grain.NextDueAt;
        if (due == _timerDueAt)
        {
            return;
        }

        _timerDueAt = due;
        var delay = due is { } at ? at - _time.GetUtcNow() : Timeout.InfiniteTimeSpan;
        _timer.Change(delay < TimeSpan.Zero && due is not null ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }
}
