using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.BroadcastChannel;
using Orleans.Runtime;
using TrustChain.Messages;
using TrustChain.Signing;
using TrustChain.Telemetry;
using TrustChain.Workers;

namespace TrustChain.Grains;

/// <summary>
/// One request, as an Orleans grain keyed by its id: wraps the pure <see cref="RequestProtocol"/> and adds only what a
/// grain does: persisted state (written before a reply leaves; a nested request's decision, its parent's, excepted),
/// one grain timer at the protocol's next due time, and calls out. It never awaits a worker: tasks, redeliveries, stop notices and decisions go out one way.
/// </summary>
/// <remarks>
/// <para>Surviving its silo: from its start until its end is stored, the request is on the running list of the silo it
/// runs on (<see cref="RunningRequestsGrain"/>), whose reminder resumes it on a live silo within a reminder period
/// when that silo dies, even if nobody calls it; there it restores from storage and re-arms its window, leases and
/// deadline (<see cref="OnActivateAsync"/>). Calls from workers and dispatchers reactivate it sooner.</para>
/// <para>A write that fails (a version conflict with another activation during a failover, or the storage being
/// unreachable) leaves this activation's memory ahead of what is stored: it is not trusted further. The call fails
/// with <see cref="RequestUnavailableException"/>, the activation stops answering and deactivates, and the next call
/// reads the stored state anew; callers retry, and every reply is idempotent, so nothing counts twice.</para>
/// </remarks>
internal sealed partial class RequestGrain : Grain, IRequestGrain, IIncomingGrainCallFilter, IRemindable
{
    /// <summary>
    /// The reminder each request held until 2026-12-03 (a silo's running list replaced it): a request started by an
    /// earlier build that still holds one removes it at its tick and resumes as the list would resume it.
    /// </summary>
    public const string LegacyReminderName = "trustchain.resume";

    /// <summary>How long a request whose state could not be dropped waits before it tries again.</summary>
    public static readonly TimeSpan ForgetRetryDelay = TimeSpan.FromMinutes(1);

    private readonly IPersistentState<RequestGrainState> _state;
    private readonly TrustChainOptions _options;
    private readonly TimeProvider _time;
    private readonly WorkerCatalog _catalog;
    private readonly Aggregators _aggregators;
    private readonly TrustStore _trust;
    private readonly ILogger _logger;
    private RequestProtocol? _protocol;
    private RequestTelemetry? _telemetry;
    private IGrainTimer? _timer;
    private DateTimeOffset? _timerDueAt;
    private long _journalSeen;
    // Group commit: transitions made while a write is under way wait for the next one, which saves them all at once.
    private TaskCompletionSource? _unsaved;
    private Task? _writer;
    // What readers may see: the journal up to this sequence, and the end, are stored (and the end is told).
    private long _savedSequence;
    private bool _endSaved;
    private bool _decisionSent;
    // Made when somebody waits, not on every transition: most requests are never watched.
    private TaskCompletionSource? _journalGrew;
    // The running list this activation put the request on (its silo's), until its end is stored.
    private string? _runningOn;
    private DateTimeOffset? _forgetRetryAt;
    // Set when a write failed: this activation's memory may be ahead of storage, so it answers no more.
    private bool _stale;
    // This request's log scope (its id and trace), made once: every call opens it.
    private LogScopeState? _scopeState;

    public RequestGrain(
        [PersistentState("request", TrustChainOptions.StorageName)] IPersistentState<RequestGrainState> state,
        IOptions<TrustChainOptions> options,
        [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider time,
        WorkerCatalog catalog,
        Aggregators aggregators,
        TrustStore trust,
        ILogger<RequestGrain> logger)
    {
        _state = state;
        _options = options.Value;
        _time = time;
        _catalog = catalog;
        _aggregators = aggregators;
        _trust = trust;
        _logger = logger;
    }

    private RequestId Id => RequestId.Parse(this.GetPrimaryKeyString());

    /// <summary>Every call to a started request logs with its id and trace id in scope (StartAsync opens its own).</summary>
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ThrowIfStale();
        using var scope = _protocol is { } protocol ? BeginScope(protocol.Task) : null;
        await context.Invoke().ConfigureAwait(true);
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_state.State.Record is { } record)
        {
            // Another activation held it (a silo died, or it was deactivated): go on from what it persisted. Timers,
            // leases and deadline are re-armed from the record; nothing is replayed.
            _protocol = RequestProtocol.Restore(record, _time, _aggregators.Join);
            _journalSeen = _protocol.LastSequence;
            _savedSequence = _protocol.LastSequence;
            _telemetry = new RequestTelemetry(_protocol.Task.WithoutPayload(), span: null);
            _endSaved = _protocol.IsCompleted;
            _decisionSent = _protocol.Decision is not null;
            ArmTimer();
            SendTaskAgainToAwaitedWorkers();

            // Listed again where the index lost it (its own silo died); an entry it has is left as it is.
            var task = _protocol.Task;
            IndexGrain.OnStartedAsync(new RequestIndexEntry(task.RequestId, task.Topic, RequestStatus.Running, task.DispatchedAt, null, task.ParentRequestId)).Ignore();
            if (_protocol.Outcome is { } outcome)
            {
                IndexGrain.OnEndedAsync(IndexEntry(outcome)).Ignore();
            }
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // What waits for a later write (a nested request's decision, acknowledgements short of settling it) is
        // stored before the activation goes, when it goes in good order.
        if (_stale || _protocol is null)
        {
            return; // another activation's write won, or the request is forgotten: nothing of this one's to keep
        }

        try
        {
            await SaveIfMovedAsync().ConfigureAwait(true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDeactivationWriteFailed(ex, Id);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != LegacyReminderName)
        {
            return;
        }

        // Resumed first, so that the reminder goes only once the request is on a running list (or needs none): a
        // failure leaves the reminder to tick again.
        await ResumeAsync().ConfigureAwait(true);
        try
        {
            if (await this.GetReminder(LegacyReminderName).ConfigureAwait(true) is { } reminder)
            {
                await this.UnregisterReminder(reminder).ConfigureAwait(true);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogLegacyReminderFailed(ex, Id); // its next tick tries again
        }
    }

    public async Task<string?> ResumeAsync()
    {
        if (_protocol is not { } protocol)
        {
            DeactivateOnIdle(); // forgotten, or never started: nothing to resume
            return null;
        }

        // Activated by this call if its silo died: OnActivateAsync restored it and armed its timer. Otherwise a check
        // that the timer is armed, and that a request past its retention is forgotten.
        if (protocol.Outcome is { } outcome)
        {
            if (_time.GetUtcNow() >= Later(outcome.CompletedAt + _options.Retention, _forgetRetryAt))
            {
                await ForgetNowAsync().ConfigureAwait(true);
            }
            else
            {
                ArmTimer();
            }

            if (!_endSaved)
            {
                // Ended in memory only: the list that asks keeps it until the end is stored, since a failed write
                // would leave a running request in storage on no list.
                await SaveIfMovedAsync().ConfigureAwait(true);
                if (!_endSaved)
                {
                    throw new RequestUnavailableException($"The end of request {Id} is not stored yet; retry.");
                }
            }

            return null;
        }

        ArmTimer();
        await ListAsRunningAsync().ConfigureAwait(true);
        return _runningOn;
    }

    public async Task StartAsync(TaskMessage task, TimeSpan interestWindow, bool decideWhenEnded)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (_protocol is { } protocol)
        {
            // Started already: a retried start changes nothing, but makes sure it is on its silo's running list (the
            // first call may have failed after the write, e.g. when its silo died).
            if (!protocol.IsCompleted)
            {
                await ListAsRunningAsync().ConfigureAwait(true);
            }

            SendTaskAgainToAwaitedWorkers();
            return;
        }

        if (task.RequestId.Value != this.GetPrimaryKeyString())
        {
            throw new ArgumentException($"Task {task.RequestId} was sent to request grain {this.GetPrimaryKeyString()}.", nameof(task));
        }

        using var scope = BeginScope(task);
        var expected = _catalog.WorkersFor(task.Topic);
        _protocol = new RequestProtocol(task, expected, interestWindow, _time, _aggregators.Join, task.Signing);
        _state.State.DecideWhenEnded = decideWhenEnded;
        _telemetry = new RequestTelemetry(task.WithoutPayload(), span: null); // it reads ids and topic, not the payload
        LogDispatched(task.RequestId, task.Topic, expected.Count, task.ParentRequestId);
        IndexGrain.OnStartedAsync(new RequestIndexEntry(task.RequestId, task.Topic, RequestStatus.Running, task.DispatchedAt, null, task.ParentRequestId)).Ignore();

        // Persisted before the task goes out: every reply then finds the request, on whichever silo it activates;
        // and on its silo's running list, so that the request goes on even if its silo dies and nobody calls it
        // (listed while the state is written: the two do not depend on each other). Either failing fails the start
        // before anything is published; the dispatcher's retry then finds the request started and tries both again.
        var listed = _protocol.IsCompleted ? Task.CompletedTask : ListAsRunningAsync();
        var saved = SaveAsync();
        await Task.WhenAll(listed, saved).ConfigureAwait(true);
        if (!_protocol.IsCompleted)
        {
            await PublishAsync(task).ConfigureAwait(true);
        }
    }

    /// <summary>
    /// A resumed or restarted request sends its task again to the expected workers it has no verdict from while
    /// interest is open: the silo that held it may have died between storing the request and publishing the task, and
    /// a worker that never got it would otherwise be silent. A worker that has the task already ignores the copy.
    /// </summary>
    private void SendTaskAgainToAwaitedWorkers()
    {
        var protocol = _protocol!;
        foreach (var worker in protocol.AwaitedVerdicts())
        {
            RedeliverAsync(worker, protocol.Task).Ignore();
        }
    }

    /// <summary>
    /// Puts the request on the running list of the silo this activation is on, once. A failure is thrown as
    /// <see cref="RequestUnavailableException"/>: the start fails (and is retried), or the list that resumed it keeps it.
    /// </summary>
    private async Task ListAsRunningAsync()
    {
        var here = RunningRequestsGrain.KeyOf(ServiceProvider.GetRequiredService<ILocalSiloDetails>().SiloAddress);
        if (_runningOn == here)
        {
            return;
        }

        try
        {
            await GrainFactory.GetGrain<IRunningRequestsGrain>(here).AddAsync(Id).ConfigureAwait(true);
            _runningOn = _endSaved ? null : here;
            if (_endSaved)
            {
                LeaveRunningList(here); // it ended while it was being listed
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogListingFailed(ex, Id);
            throw new RequestUnavailableException($"Request {Id} could not be put on the running list of its silo; retry.", ex);
        }
    }

    /// <summary>An ended request needs no resuming: off its list, which stores that with a later write.</summary>
    private void LeaveRunningList(string? list)
    {
        if (list is not null)
        {
            GrainFactory.GetGrain<IRunningRequestsGrain>(list).RemoveAsync(Id).Ignore();
        }
    }

    public async Task<RequestOutcome?> WaitForOutcomeAsync(TimeSpan wait)
    {
        if (_protocol is null)
        {
            // Null means "still running" to the caller, who would ask again at once, forever: an unknown request fails.
            DeactivateOnIdle();
            throw new KeyNotFoundException($"Request {this.GetPrimaryKeyString()} is not known: never started, forgotten, or its state was lost.");
        }

        var deadline = _time.GetUtcNow() + Cap(wait);
        while (_protocol is not null && !_endSaved)
        {
            var remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero || !await WaitForJournalAsync(remaining).ConfigureAwait(true))
            {
                return null;
            }

            ThrowIfStale();
        }

        return _protocol?.Snapshot();
    }

    public async Task<VerdictReply> OnVerdictAsync(VerdictMessage verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        if (_protocol is not { } protocol)
        {
            return Unknown(verdict);
        }

        var signatureProblem = protocol.Signing == SigningPolicy.Signed ? _trust.Check(verdict) : null;
        var reply = protocol.OnVerdict(verdict, signatureProblem);
        if (reply.Reason is { } reason)
        {
            Rejected(verdict.Topic, verdict.Worker, "verdict", reason);
        }

        await SaveAsync().ConfigureAwait(true);
        return reply;
    }

    public async Task<RejectionReason?> OnResultAsync(ResultMessage result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (_protocol is not { } protocol)
        {
            Rejected(result.Topic, result.Worker, "result", RejectionReason.UnknownRequest);
            return RejectionReason.UnknownRequest;
        }

        var rejection = protocol.OnResult(result, protocol.Signing == SigningPolicy.Signed ? _trust.Check(result) : null);
        if (rejection is { } reason)
        {
            Rejected(result.Topic, result.Worker, "result", reason);
        }

        await SaveAsync().ConfigureAwait(true);
        return rejection;
    }

    public async Task<bool> OnLeaseRenewalAsync(LeaseRenewal renewal)
    {
        ArgumentNullException.ThrowIfNull(renewal);
        if (_protocol is not { } protocol)
        {
            return false;
        }

        var renewed = protocol.OnLeaseRenewal(renewal);

        // The new lease moves the timer; it is not persisted on every renewal: a restored request gives a worker at
        // most one lease from its last persisted state, and the redelivery covers the rest.
        ArmTimer();
        await SaveIfMovedAsync().ConfigureAwait(true);
        return renewed;
    }

    /// <remarks>
    /// The entry is the journal's alone: it changes no count, and the nested outcome travels in the worker's result.
    /// So it has no write of its own (one write per nested request fewer, in Redis too): the request's next write
    /// stores it, the dispatching worker's result at the latest, and readers of the stored journal see it then. Lost
    /// with the silo before that write, it is lost as a failed announcement is (the dispatcher logs and goes on).
    /// Anything else the call moved (a timed transition that came due) is saved as every call saves it.
    /// </remarks>
    public Task OnChildDispatchedAsync(ChildDispatched child)
    {
        ArgumentNullException.ThrowIfNull(child);
        if (_protocol is not { } protocol)
        {
            return Task.CompletedTask;
        }

        // Unsaved since the last write is this entry alone, or something more that must be saved now.
        var onlyThisEntry = protocol.OnChildDispatched(child) && protocol.LastSequence == _journalSeen + 1;
        return onlyThisEntry ? Task.CompletedTask : SaveIfMovedAsync();
    }

    public async Task<RequestQueryAnswer> CancelAsync()
    {
        if (_protocol is not { } protocol)
        {
            DeactivateOnIdle();
            return RequestQueryAnswer.NotFound;
        }

        if (!protocol.Cancel())
        {
            await SaveIfMovedAsync().ConfigureAwait(true); // it may have ended of itself just now (its deadline)
            return RequestQueryAnswer.AlreadyEnded;
        }

        await SaveAsync().ConfigureAwait(true);
        return RequestQueryAnswer.Cancelled;
    }

    public async Task<bool> DecideAsync(Decision decision, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (_protocol is not { } protocol)
        {
            LogNestedForgotten(Id);
            DeactivateOnIdle();
            return false;
        }

        if (!protocol.IsCompleted)
        {
            // A nested request whose parent was decided first (its parent timed out or was cancelled): decided as
            // soon as it ends, which its deadline guarantees.
            if (_state.State.PendingDecision is not null)
            {
                return false;
            }

            _state.State.PendingDecision = new RequestRecord.Decided(decision, reason, _time.GetUtcNow());
            await SaveAsync().ConfigureAwait(true);
            return true;
        }

        if (!Decide(decision, reason))
        {
            return false;
        }

        if (protocol.Task.ParentRequestId is not null && _endSaved && !protocol.IsSettled)
        {
            // A nested request's decision is its parent's, which the parent's record holds: it goes to the
            // participants at once and is stored with the write that settles it (or as this activation goes away),
            // not with a write of its own first.
            SendDecision(protocol);
            return true;
        }

        // Sent to the participants once it is stored (after the write, by AfterSaved).
        await SaveAsync().ConfigureAwait(true);
        return true;
    }

    public async Task OnDecisionAckAsync(DecisionAck ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        if (_protocol?.OnDecisionAck(ack) != true)
        {
            LogAckIgnored(ack.RequestId, ack.Worker, ack.Status);
            return;
        }

        // Written once every participant has acknowledged (with any write before that): nothing depends on an
        // acknowledgement being stored, since a participant keeps what it must until the decision's TTL whether or not
        // this record is lost, so one write settles the decision instead of one per participant.
        if (_protocol.IsSettled)
        {
            await SaveAsync().ConfigureAwait(true);
        }
    }

    public Task<RequestState?> GetAsync()
    {
        if (_protocol is not { } protocol)
        {
            DeactivateOnIdle();
            return Task.FromResult<RequestState?>(null);
        }

        return Task.FromResult<RequestState?>(new RequestState(protocol.Snapshot(), protocol.Events.ToList(), protocol.IsCompleted));
    }

    public async Task<RequestEventsPage?> EventsAfterAsync(long after, TimeSpan wait)
    {
        if (_protocol is not { } protocol)
        {
            DeactivateOnIdle();
            return null;
        }

        var from = Math.Max(0, after);
        var deadline = _time.GetUtcNow() + Cap(wait);
        while (_savedSequence <= from && !_endSaved)
        {
            var remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero || !await WaitForJournalAsync(remaining).ConfigureAwait(true))
            {
                break;
            }
        }

        ThrowIfStale(); // what it would read may never have been stored
        // Only what is stored: a transition still being written is read once its write is done.
        var stored = protocol.EventsAfter(from).Take((int)Math.Max(0, _savedSequence - from)).ToList();
        return new RequestEventsPage(stored, _endSaved);
    }

    public async Task ForgetAsync()
    {
        if (_protocol is null)
        {
            return;
        }

        await ForgetNowAsync(toldByIndex: true).ConfigureAwait(true);
    }

    /// <param name="toldByIndex">The index pushed it out and has let go of its line already: nothing to tell it.</param>
    private async Task ForgetNowAsync(bool toldByIndex = false)
    {
        if (_protocol is { IsCompleted: false })
        {
            return; // never forget a running request: somebody waits for it
        }

        // Not while a write of its own is under way (an acknowledgement's): one storage operation at a time.
        while (_writer is { } writer)
        {
            await writer.ConfigureAwait(true);
        }

        if (_protocol is null)
        {
            return;
        }

        var forgotten = _protocol;
        _timer?.Dispose();
        _timer = null;
        _protocol = null;
        try
        {
            await _state.ClearStateAsync().ConfigureAwait(true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Kept in storage, and by this activation, which tries again in a while.
            LogForgetFailed(ex, Id, ForgetRetryDelay);
            _protocol = forgotten;
            _forgetRetryAt = _time.GetUtcNow() + ForgetRetryDelay;
            ArmTimer();
            return;
        }

        if (!toldByIndex)
        {
            IndexGrain.OnForgottenAsync(Id).Ignore();
        }

        LeaveRunningList(_runningOn);
        _runningOn = null;
        DeactivateOnIdle();
    }

    /// <summary>
    /// Writes the state; when the write fails, this activation is no longer trusted (see the remarks above): the
    /// caller gets <see cref="RequestUnavailableException"/> and retries against a fresh activation.
    /// </summary>
    private async Task PersistAsync()
    {
        try
        {
            await _state.WriteStateAsync().ConfigureAwait(true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _stale = true;
            _timer?.Dispose();
            _timer = null;
            LogWriteFailed(ex, Id, ex is Orleans.Storage.InconsistentStateException ? "another activation wrote first" : "the storage failed");
            var grew = _journalGrew;
            _journalGrew = null;
            grew?.TrySetResult(); // waiting readers find the activation stale, and their callers ask again
            DeactivateOnIdle();
            throw new RequestUnavailableException($"Request {Id} could not be saved ({ex.Message}); retry.", ex);
        }
    }

    private void ThrowIfStale()
    {
        if (_stale)
        {
            throw new RequestUnavailableException($"Request {this.GetPrimaryKeyString()} is moving to a fresh activation; retry.");
        }
    }

    /// <summary>An ended request's line, with what it keeps for reading, which the index bounds by TrustChain:MaxRetainedBytes.</summary>
    private static RequestIndexEntry IndexEntry(RequestOutcome outcome) =>
        new(outcome.RequestId, outcome.Topic, outcome.Status, outcome.DispatchedAt, outcome.CompletedAt, outcome.ParentRequestId, RetainedSize.Of(outcome));

    private IRequestIndexGrain IndexGrain => GrainFactory.Grain<IRequestIndexGrain>(IRequestIndexGrain.Key);

    /// <summary>Records the decision; it is sent to every participant once stored (<see cref="AfterSaved"/>), a nested request's at once.</summary>
    private bool Decide(Decision decision, string reason)
    {
        var protocol = _protocol!;
        if (!protocol.Decide(decision, reason))
        {
            return false;
        }

        DecisionMetrics.Decided(decision);
        LogDecided(protocol.Id, decision, reason);
        return true;
    }

    /// <summary>
    /// Tells every participant the decision, one way and once per activation; they apply it and acknowledge. Each is
    /// told the nested requests joined under its result, which it decides in turn: its part does not store them.
    /// </summary>
    private void SendDecision(RequestProtocol protocol)
    {
        if (_decisionSent)
        {
            return;
        }

        _decisionSent = true;
        var decided = protocol.Decision!;
        // Children is never null from here: a worker reads null as a sender that names none (one of an older version).
        var message = new DecisionMessage(protocol.Id, decided.Decision, decided.Reason, Children: []);
        foreach (var result in protocol.Outcome!.Results)
        {
            if (WorkerGrain(result.Worker) is { } participant)
            {
                var joined = result.Children.Count == 0 ? message : message with { Children = [.. result.Children.Select(c => c.RequestId)] };
                participant.ApplyDecisionAsync(joined).Ignore();
            }
        }
    }

    private IWorkerGrain? WorkerGrain(string worker) =>
        GrainFactory.Grain<IWorkerGrain>(GrainId.Create(WorkerCatalog.GrainTypeFor(worker), this.GetPrimaryKeyString()));

    /// <summary>
    /// The task once more to a worker whose lease lapsed: its silo may have died, and until Orleans declares it dead a
    /// call to that worker's grain fails; it is retried until the deadline, so that the worker's grain activates on a
    /// live silo as soon as one can take it. Off the grain's turn: the request answers others meanwhile.
    /// </summary>
    private async Task RedeliverAsync(string worker, TaskMessage task)
    {
        if (WorkerGrain(worker) is not { } grain)
        {
            return;
        }

        var budget = task.Deadline - _time.GetUtcNow();
        try
        {
            await TransientFailures.RetryAsync(() => grain.RedeliverAsync(task), budget < TimeSpan.Zero ? TimeSpan.Zero : budget).ConfigureAwait(true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRedeliveryFailed(ex, task.RequestId, worker);
        }
    }

    private Task PublishAsync(TaskMessage task)
    {
        if (_options.Delivery == TaskDelivery.Streams)
        {
            return this.GetStreamProvider(_options.DeliveryProvider)
                .GetStream<TaskMessage>(StreamId.Create(task.Topic, task.RequestId.Value))
                .OnNextAsync(task);
        }

        return ServiceProvider.GetRequiredKeyedService<IBroadcastChannelProvider>(_options.DeliveryProvider)
            .GetChannelWriter<TaskMessage>(ChannelId.Create(task.Topic, task.RequestId.Value))
            .Publish(task);
    }

    /// <summary>
    /// After a transition: saves it (group commit: every transition made while a write is under way is saved by the
    /// next write, at once), then does what follows from what was saved. The returned task completes once the
    /// transition is stored and its consequences are sent, so the caller may reply; a failed write fails it with
    /// <see cref="RequestUnavailableException"/>.
    /// </summary>
    /// <remarks>
    /// Replies interleave (<c>[AlwaysInterleave]</c> on the workers' calls), so five verdicts arriving together cost
    /// one or two writes, not five. What goes out (redeliveries, stop notices, the decision) and what readers see
    /// follow the write that stored it, never the memory ahead of it.
    /// </remarks>
    private Task SaveAsync()
    {
        ThrowIfStale();
        var batch = (_unsaved ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        ArmTimer();
        if (_writer is null)
        {
            var writer = WriteAllAsync();
            _writer = writer.IsCompleted ? null : writer; // a write that finished at once has cleared it already
        }

        return batch;
    }

    /// <summary>
    /// Saves what the protocol did by itself in a call that changed nothing else: every call first applies the timed
    /// transitions due by now (interest closing, a lease lapsing, the deadline ending the request), and a lease renewal
    /// that came after the deadline ended it in memory. Unsaved, that end would be told to nobody, its workers never
    /// stopped and its decision never taken.
    /// </summary>
    private Task SaveIfMovedAsync() =>
        _protocol is { } protocol && protocol.LastSequence != _journalSeen ? SaveAsync() : Task.CompletedTask;

    /// <summary>Writes until nothing is left unsaved; each write's consequences before the next write.</summary>
    private async Task WriteAllAsync()
    {
        try
        {
            while (_unsaved is { } batch)
            {
                _unsaved = null;
                var saved = Capture();
                try
                {
                    await PersistAsync().ConfigureAwait(true);
                    AfterSaved(saved);
                    batch.TrySetResult();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    batch.TrySetException(ex);
                    if (_stale)
                    {
                        // Nothing more is written by this activation: what waited for a write is told to retry.
                        _unsaved?.TrySetException(ex);
                        _unsaved = null;
                    }
                }
            }
        }
        finally
        {
            _writer = null;
        }
    }

    /// <summary>What one write stores, taken as it starts.</summary>
    private readonly record struct Saved(long Sequence, bool Ended, bool Decided, IReadOnlyList<string> Redeliveries);

    private Saved Capture()
    {
        var protocol = _protocol!;
        DecideIfEnded(protocol);
        if (protocol.LastSequence != _journalSeen)
        {
            _telemetry?.Observe(protocol.Events, (int)_journalSeen);
            _journalSeen = protocol.LastSequence;
        }

        _state.State.Record = protocol.Export();
        return new Saved(protocol.LastSequence, protocol.IsCompleted, protocol.Decision is not null, protocol.TakeRedeliveries());
    }

    /// <summary>What follows from a stored state: redeliveries, the end told, the decision sent, readers woken.</summary>
    private void AfterSaved(Saved saved)
    {
        var protocol = _protocol!;
        foreach (var worker in saved.Redeliveries)
        {
            LogRedelivered(protocol.Id, worker);
            RedeliverAsync(worker, protocol.Task).Ignore();
        }

        var endedNow = saved.Ended && !_endSaved;
        if (endedNow)
        {
            _endSaved = true;
            Ended(protocol, protocol.Outcome!);
            LeaveRunningList(_runningOn);
            _runningOn = null;
        }

        if (saved.Decided)
        {
            SendDecision(protocol);
        }

        // Waiting readers interleave: they are woken only once what they will read is saved and the end is told.
        var journalGrew = saved.Sequence != _savedSequence || endedNow;
        _savedSequence = saved.Sequence;
        if (journalGrew)
        {
            var grew = _journalGrew;
            _journalGrew = null;
            grew?.TrySetResult();
        }

        ArmTimer();
    }

    private void Ended(RequestProtocol protocol, RequestOutcome outcome)
    {
        LogCompleted(outcome.RequestId, outcome.Topic, outcome.Status, outcome.Results.Count, outcome.ElapsedMs);
        IndexGrain.OnEndedAsync(IndexEntry(outcome)).Ignore();
        foreach (var worker in protocol.WorkersStillWorking())
        {
            // They must stop (and cancel their own nested requests); the decision, Abort, follows.
            WorkerGrain(worker)?.StopAsync(outcome.Status).Ignore();
        }
    }

    /// <summary>
    /// An ended request that has its decision already (one that came while it ran, or the dispatcher's rule it was
    /// started with) takes it now, so that the write storing the end stores the decision with it.
    /// </summary>
    private void DecideIfEnded(RequestProtocol protocol)
    {
        if (!protocol.IsCompleted || protocol.Decision is not null)
        {
            return;
        }

        if (_state.State.PendingDecision is { } pending)
        {
            _state.State.PendingDecision = null;
            Decide(pending.Decision, pending.Reason);
        }
        else if (_state.State.DecideWhenEnded)
        {
            var (decision, reason) = DecisionRule.For(protocol.Outcome!.Status);
            Decide(decision, reason);
        }
    }

    /// <summary>One grain timer, at the protocol's next due time; after the end, at the end of retention.</summary>
    private void ArmTimer()
    {
        var protocol = _protocol;
        DateTimeOffset? due = protocol is null ? null
            : protocol.Outcome is { } outcome ? Later(outcome.CompletedAt + _options.Retention, _forgetRetryAt)
            : protocol.NextDueAt;
        if (due == _timerDueAt && _timer is not null)
        {
            return;
        }

        _timerDueAt = due;
        if (due is not { } at)
        {
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        var delay = at - _time.GetUtcNow();
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }

        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(OnTimerAsync, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        else
        {
            _timer.Change(delay, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        _timerDueAt = null;
        if (_protocol is not { } protocol)
        {
            return;
        }

        using var scope = BeginScope(protocol.Task);

        if (protocol.Outcome is { } outcome)
        {
            // Ended by a call that moved its clock (its deadline passed) and is not stored yet: stored now.
            await SaveIfMovedAsync().ConfigureAwait(true);
            if (_time.GetUtcNow() >= Later(outcome.CompletedAt + _options.Retention, _forgetRetryAt))
            {
                await ForgetNowAsync().ConfigureAwait(true);
            }
            else
            {
                ArmTimer();
            }

            return;
        }

        protocol.OnTimer();
        await SaveAsync().ConfigureAwait(true);
    }

    private static DateTimeOffset Later(DateTimeOffset at, DateTimeOffset? other) => other is { } o && o > at ? o : at;

    /// <summary>True when the journal grew within <paramref name="wait"/>.</summary>
    private async Task<bool> WaitForJournalAsync(TimeSpan wait)
    {
        var grew = (_journalGrew ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        try
        {
            await grew.WaitAsync(wait, _time).ConfigureAwait(true);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private TimeSpan Cap(TimeSpan wait) => wait < TimeSpan.Zero ? TimeSpan.Zero : wait > _options.WatchPollWait ? _options.WatchPollWait : wait;

    private VerdictReply Unknown(VerdictMessage verdict)
    {
        Rejected(verdict.Topic, verdict.Worker, "verdict", RejectionReason.UnknownRequest);
        DeactivateOnIdle();
        return new VerdictReply(verdict.RequestId, verdict.Worker, verdict.Instance, Accepted: false, RejectionReason.UnknownRequest);
    }

    /// <summary>
    /// Counts and logs a refused reply. A late or repeated verdict is routine (debug); a result refused, or a verdict
    /// that is unsigned, forged or contradicts itself, is worth a warning.
    /// </summary>
    private void Rejected(string topic, string worker, string kind, RejectionReason reason)
    {
        TrustChainMetrics.ReplyRejected(topic, reason, kind);
        var routine = kind == "verdict" && reason is RejectionReason.InterestClosed or RejectionReason.RequestEnded
            or RejectionReason.UnknownRequest or RejectionReason.LeaseExpired or RejectionReason.DuplicateResult;
        var id = this.GetPrimaryKeyString();
        if (routine)
        {
            LogRoutineRejection(kind, worker, id, reason);
        }
        else
        {
            LogReplyRejected(kind, worker, id, reason);
        }
    }

    private IDisposable? BeginScope(TaskMessage task) => _logger.BeginScope(_scopeState ??= new LogScopeState(
        new("RequestId", task.RequestId.Value),
        new("TraceId", TraceIds.Of(task.TraceParent))));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dispatched {RequestId} on {Topic} to {Expected} expected worker(s), parent {ParentRequestId}")]
    private partial void LogDispatched(RequestId requestId, string topic, int expected, RequestId? parentRequestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId} on {Topic} ended {Status} with {Results} result(s) in {ElapsedMs} ms")]
    private partial void LogCompleted(RequestId requestId, string topic, RequestStatus status, int results, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId} decided {Decision}: {Reason}")]
    private partial void LogDecided(RequestId requestId, Decision decision, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The lease of {Worker} on {RequestId} lapsed once; its task goes to it again")]
    private partial void LogRedelivered(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} could not be saved ({Why}); this activation steps aside and the next call reads the stored state")]
    private partial void LogWriteFailed(Exception exception, RequestId requestId, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} could not be forgotten now; it tries again in {Delay}")]
    private partial void LogForgetFailed(Exception exception, RequestId requestId, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store what request {RequestId} had not stored yet as its activation went away")]
    private partial void LogDeactivationWriteFailed(Exception exception, RequestId requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} could not be put on its silo's running list; its start fails and is retried, or the list that resumed it keeps it")]
    private partial void LogListingFailed(Exception exception, RequestId requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reminder {RequestId} held from an earlier build could not be removed; its next tick tries again")]
    private partial void LogLegacyReminderFailed(Exception exception, RequestId requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The task of {RequestId} could not be redelivered to {Worker} before its deadline")]
    private partial void LogRedeliveryFailed(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} is not known (never started, or forgotten); its decision cannot reach it and its effects will expire")]
    private partial void LogNestedForgotten(RequestId requestId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Acknowledgement ({Status}) of {Worker} for {RequestId} matches no decision here; ignored")]
    private partial void LogAckIgnored(RequestId requestId, string worker, DecisionAckStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Kind} of {Worker} for {RequestId} was rejected: {Reason}")]
    private partial void LogReplyRejected(string kind, string worker, string requestId, RejectionReason reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The {Kind} of {Worker} for {RequestId} was refused: {Reason}")]
    private partial void LogRoutineRejection(string kind, string worker, string requestId, RejectionReason reason);
}
