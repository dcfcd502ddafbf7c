using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.BroadcastChannel;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Streams.Core;
using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Signing;
using TrustChain.Telemetry;

namespace TrustChain.Workers;

/// <summary>
/// A worker on raw JSON, as an Orleans grain: one activation per (worker, request), reached by the task through its
/// implicit subscription to the topic (<see cref="TrustChainWorkerAttribute"/>). It answers its verdict at once,
/// works (waiting for a slot of <c>TrustChain:WorkerConcurrency</c>, renewing its lease), replies with one signed
/// result, keeps its tentative effects in its persisted state until the decision, and passes the decision down to
/// the nested requests it dispatched. <see cref="Worker{TPayload,TResult}"/> is the typed form.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "Disposed in OnDeactivateAsync, the activation's end.")]
public abstract partial class WorkerGrain : Grain, IWorkerGrain, IOnBroadcastChannelSubscribed, IStreamSubscriptionObserver
{
    private readonly Orleans.Core.IStorage<WorkerPartState> _part;
    private readonly TrustChainWorkerAttribute _identity;
    private readonly ILogger _logger;
    private CancellationTokenSource? _working;
    // The work after an accepted verdict, until its part is held (or dropped) and its result sent.
    private Task? _work;
    private IGrainTimer? _lease;
    private IGrainTimer? _due;
    private bool _taken;
    private bool _deactivated;
    // The part is read from storage only where one can exist (a redelivery or a decision may reach an activation after
    // another one held it); a task's first delivery starts a part that cannot have been stored yet.
    private bool _loaded;
    private bool _stored;

    protected WorkerGrain()
    {
        _identity = TrustChainWorkerAttribute.Of(GetType());
        _logger = GrainContext.ActivationServices.GetRequiredService<ILoggerFactory>().CreateLogger($"TrustChain.Workers.{_identity.Name}");
        var storage = GrainContext.ActivationServices.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(TrustChainOptions.StorageName);
        _part = new Orleans.Core.StateStorageBridge<WorkerPartState>(PartStateName, GrainContext, storage);
    }

    /// <summary>The worker's name: the unit of interest, of reply and of signature.</summary>
    public string Name => _identity.Name;

    public IReadOnlyList<string> Topics => _identity.WorkerTopics;

    private WorkerServices Services => field ??= ServiceProvider.GetRequiredService<WorkerServices>();

    private RequestId Request => RequestId.Parse(this.GetPrimaryKeyString());

    private IRequestGrain RequestGrain => GrainFactory.Grain<IRequestGrain>(this.GetPrimaryKeyString());

    /// <summary>Decides at once whether the task is for this worker; throw to say it cannot (never a quiet decline).</summary>
    protected abstract ValueTask<bool> IsInterestedInTaskAsync(JsonElement payload, IWorkerContext context);

    /// <summary>Does the work. A returned value is a success; an exception is a failure with its message.</summary>
    protected abstract Task<JsonElement?> HandleTaskAsync(JsonElement payload, IWorkerContext context);

    /// <summary>Makes a tentative effect real: the whole journey committed.</summary>
    protected virtual Task CommitAsync(RequestId request, TentativeEffect effect) => Task.CompletedTask;

    /// <summary>Undoes a tentative effect: the journey aborted, this worker was refused, or no decision came in time.</summary>
    protected virtual Task AbortAsync(RequestId request, TentativeEffect effect) => Task.CompletedTask;

    /// <summary>This part as stored, once, where a stored one may exist: it keeps its TTL on this activation.</summary>
    private async Task LoadPartAsync()
    {
        if (_loaded)
        {
            return;
        }

        await _part.ReadStateAsync().ConfigureAwait(true);
        _loaded = true;
        _stored = _part.RecordExists;
        if (_part.State is { Stage: WorkerPartStage.Held or WorkerPartStage.Settled or WorkerPartStage.Expired, DueAt: { } due })
        {
            ArmDue(due); // a part restored on another activation keeps its TTL
        }
    }

    /// <summary>The part in memory (a new one until one is stored or read).</summary>
    private WorkerPartState Part
    {
        get
        {
            if (_part.State is { } part)
            {
                return part;
            }

            _part.State = new WorkerPartState();
            return _part.State;
        }
    }

    private async Task WritePartAsync(CancellationToken cancellationToken = default)
    {
        await _part.WriteStateAsync(cancellationToken).ConfigureAwait(true);
        _stored = true;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_working is { IsCancellationRequested: false } && Part.Stage == WorkerPartStage.Working)
        {
            // E.g. Orleans lost this grain's directory entry with a dead silo: the lease lapses, the task comes again.
            _deactivated = true;
            LogDeactivatedWhileWorking(Request, Name, reason.Description);
        }

        _working?.Cancel();
        _working?.Dispose();
        _working = null;
        return Task.CompletedTask;
    }

    Task IOnBroadcastChannelSubscribed.OnSubscribed(IBroadcastChannelSubscription subscription) =>
        subscription.Attach<TaskMessage>(OnDeliveredAsync, OnDeliveryErrorAsync);

    async Task IStreamSubscriptionObserver.OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        var handle = handleFactory.Create<TaskMessage>();
        await handle.ResumeAsync((task, _) => OnDeliveredAsync(task)).ConfigureAwait(true);
    }

    public Task RedeliverAsync(TaskMessage task)
    {
        // The same activation, still alive and still on it, takes no second copy; a new one (its silo died) starts over.
        ArgumentNullException.ThrowIfNull(task);
        RedeliveredAsync(task).Ignore();
        return Task.CompletedTask;
    }

    private async Task RedeliveredAsync(TaskMessage task)
    {
        await LoadPartAsync().ConfigureAwait(true);
        await OnTaskAsync(task, redelivered: true).ConfigureAwait(true);
    }

    /// <summary>
    /// The task as the topic delivers it. The broadcast channel delivers a task once, to an activation that cannot
    /// have a stored part (none is stored before its result), so nothing is read; a stream provider may deliver again
    /// after a failure, so the part is read first.
    /// </summary>
    private async Task OnDeliveredAsync(TaskMessage task)
    {
        if (Services.Options.Delivery == TaskDelivery.BroadcastChannel)
        {
            _loaded = true;
        }
        else
        {
            await LoadPartAsync().ConfigureAwait(true);
        }

        await OnTaskAsync(task).ConfigureAwait(true);
    }

    public Task StopAsync(RequestStatus status)
    {
        _working?.Cancel();
        return Task.CompletedTask;
    }

    public async Task ApplyDecisionAsync(DecisionMessage decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (_work is { IsCompleted: false } work)
        {
            // The request ended while this worker still worked: a decision comes only after the end, so the work is
            // told to stop here too (a worker counted lost gets no stop notice), and what its handler did is held once
            // the work ends; only then can the decision undo it or keep it. Nothing awaited here waits for this
            // grain: the work only holds its part and sends its result, which the request answers at once.
            _working?.Cancel();
            try
            {
                await work.ConfigureAwait(true);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogWorkEndedBadly(ex, decision.RequestId, Name);
            }
        }

        await LoadPartAsync().ConfigureAwait(true);
        var part = Part;
        using var scope = part.Task is { } task ? BeginScope(task, span: null) : null;
        var status = part.Stage switch
        {
            WorkerPartStage.Held => DecisionAckStatus.Applied,
            WorkerPartStage.Expired => DecisionAckStatus.Expired,
            WorkerPartStage.Settled => DecisionAckStatus.AlreadyApplied,
            _ => DecisionAckStatus.Applied, // nothing held (stopped before its result): nothing to do but say so
        };

        var forget = false;
        if (status == DecisionAckStatus.Applied)
        {
            var sent = part.Result; // the result this activation sent, read before it is let go below
            part.Detail = await RunEffectsAsync(part.Effects, decision.Decision == Decision.Commit).ConfigureAwait(true);
            part.Stage = WorkerPartStage.Settled;
            part.Result = null; // decided: the request has it, or never will

            // A part with effects is remembered for the TTL, so that a decision sent again is acknowledged
            // AlreadyApplied and its effects run once. One without has nothing to do twice, and is forgotten (state
            // cleared, activation let go) as soon as it has acknowledged: its nested requests, if any, have the
            // decision by then (each is told below before the acknowledgement goes, and a request is decided once),
            // so its activation does not linger for the TTL.
            forget = part.Effects.Count == 0;
            if (!forget)
            {
                part.DueAt = Services.Time.GetUtcNow() + Services.Options.TentativeTtl;
                await WritePartAsync().ConfigureAwait(true);
                ArmDue(part.DueAt.Value);
            }

            // The nested requests joined under the result come with the decision (a part that holds nothing else is
            // not stored, so a fresh activation knows them from there); those the handler did not await, from the part.
            foreach (var child in decision.Children is { Count: > 0 } joined ? part.Children.Union(joined) : part.Children)
            {
                // Nested requests take this request's decision. A worker awaits request grains, never the reverse.
                var (childDecision, reason) = NotTaken(child, sent, decision)
                    ? (Decision.Abort, $"Abort: not in the outcome of {decision.RequestId}")
                    : (decision.Decision, $"{decision.Decision} of {decision.RequestId}");
                await GrainFactory.Grain<IRequestGrain>(child.Value).DecideAsync(childDecision, reason).ConfigureAwait(true);
            }
        }
        else if (status == DecisionAckStatus.Expired && decision.Decision == Decision.Commit)
        {
            LogCommitAfterExpiry(Request, Name);
        }

        DecisionMetrics.Acknowledged(decision.Decision, status);
        await RequestGrain.OnDecisionAckAsync(new DecisionAck(decision.RequestId, Name, Services.Instance, decision.Decision, status, Services.Time.GetUtcNow(), part.Detail)).ConfigureAwait(true);
        if (forget)
        {
            await ForgetPartAsync().ConfigureAwait(true);
        }
        else if (part.Stage == WorkerPartStage.None)
        {
            DeactivateOnIdle(); // activated by the decision alone: it holds nothing
        }
    }

    private Task OnDeliveryErrorAsync(Exception exception)
    {
        LogDeliveryFailed(exception, this.GetPrimaryKeyString(), Name);
        return Task.CompletedTask;
    }

    /// <summary>The verdict at once, whatever the load; the work after it, off this call, in this activation.</summary>
    private async Task OnTaskAsync(TaskMessage task, bool redelivered = false)
    {
        if (!_taken && Part is { Stage: WorkerPartStage.Held, Result: { } held })
        {
            // Held by an activation that Orleans let go (its directory entry died with a silo, say) before the request
            // answered its result: the task sent again says the request still waits for it, so it goes once more (a
            // result the request already has is answered DuplicateResult).
            _taken = true;
            using var resending = BeginScope(task, span: null);
            LogResending(task.RequestId, Name);
            await SendResultAsync(task, held).ConfigureAwait(true);
            return;
        }

        if (_taken || Part.Stage is not WorkerPartStage.None and not WorkerPartStage.Working)
        {
            return; // this part already took the task (a second delivery, or a redelivery to a live activation)
        }

        _taken = true;
        if (redelivered)
        {
            LogTakenAgain(task.RequestId, Name);
        }
        else
        {
            LogTaken(task.RequestId, Name);
        }

        var services = Services;
        if (task.Deadline <= services.Time.GetUtcNow())
        {
            LogExpired(task.RequestId, Name);
            DeactivateOnIdle();
            return;
        }

        _working = new CancellationTokenSource();
        var span = StartSpan(task);

        // In scope for the verdict, and for the work, which runs on in this context after this call returns.
        using var scope = BeginScope(task, span);
        var context = new WorkerContext(this, task, services, _working.Token);
        bool interested;
        string? problem = null;
        try
        {
            interested = await IsInterestedInTaskAsync(task.Payload, context).ConfigureAwait(true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A worker that cannot decide says so: a failed verdict, never a quiet decline (DESIGN.md, step 3).
            LogInterestFailed(ex, task.RequestId, Name);
            interested = false;
            problem = ex is UnreadablePayloadException ? ex.Message : $"{Name} could not decide: {ex.Message}";
        }

        span?.SetTag("trustchain.interested", interested);
        var key = services.Keys.SigningKeyFor(Name);
        var verdict = new VerdictMessage(task.RequestId, task.Topic, Name, services.Instance, interested, services.Time.GetUtcNow(),
            key?.SignVerdict(task.RequestId, task.Topic, interested), problem);
        VerdictReply reply;
        try
        {
            // Retried while the request's silo is failing over: the request resumes from storage on another silo.
            reply = await TransientFailures.RetryAsync(() => RequestGrain.OnVerdictAsync(verdict), Remaining(task)).ConfigureAwait(true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogVerdictFailed(ex, task.RequestId, Name);
            span?.Dispose();
            await DropAsync(context).ConfigureAwait(true);
            return;
        }

        if (!interested || !reply.Accepted)
        {
            if (interested)
            {
                LogRefused(task.RequestId, Name, reply.Reason);
                span?.AddEvent(new ActivityEvent("trustchain.refused", tags: new ActivityTagsCollection { ["trustchain.reason"] = reply.Reason?.ToString() }));
            }

            span?.Dispose();
            await DropAsync(context).ConfigureAwait(true);
            return;
        }

        // The part keeps the task's ids, topic and trace for its log scope; the payload stays with the work alone.
        Part.Task = task.WithoutPayload();
        Part.Stage = WorkerPartStage.Working;
        _work = WorkAsync(task, context, span, redelivered); // in this activation, interleaving with stop calls
        _work.Ignore();
    }

    private async Task WorkAsync(TaskMessage task, WorkerContext context, Activity? span, bool redelivered)
    {
        var services = Services;
        var startedAt = services.Time.GetUtcNow();
        var renewEvery = task.LeaseDuration / 3;

        // A redelivered task renews at once: the lease it runs on was measured from the lapse, and reaching this live
        // silo may have taken most of it (a repeated verdict does not extend it).
        _lease = this.RegisterGrainTimer(RenewLeaseAsync, new GrainTimerCreationOptions(redelivered ? TimeSpan.Zero : renewEvery, renewEvery) { Interleave = true, KeepAlive = true });
        ResultMessage? result = null;
        var slots = services.Slots.For(Name);
        var slotTaken = false;
        try
        {
            await slots.WaitAsync(context.CancellationToken).ConfigureAwait(true);
            slotTaken = true;
            startedAt = services.Time.GetUtcNow();
            var value = await HandleTaskAsync(task.Payload, context).ConfigureAwait(true);
            result = Result(task, succeeded: true, value, error: null, context, startedAt);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The request ended before this worker: nobody waits for its result, and its decision (Abort) follows.
            // Or the activation is going away (logged as it went).
            if (!_deactivated)
            {
                LogStopped(task.RequestId, Name);
            }

            span?.AddEvent(new ActivityEvent("trustchain.stopped"));
        }
        catch (Exception ex)
        {
            LogWorkFailed(ex, task.RequestId, Name);
            // The worker's message only: the exception's type and stack are internals, and go to the log.
            result = Result(task, succeeded: false, payload: null, ex.Message, context, startedAt);
        }
        finally
        {
            if (slotTaken)
            {
                slots.Release();
            }
        }

        try
        {
            await FinishAsync(task, context, result, span).ConfigureAwait(true);
        }
        finally
        {
            // Renewed until the result is in (or refused, or given up): holding the part and reaching a request
            // whose silo fails over take time, and a lease that lapsed meanwhile would count a finished worker lost.
            _lease?.Dispose();
            _lease = null;
            span?.Dispose();
        }
    }

    /// <summary>After the work: holds the part and sends the result, or undoes everything if this activation is going away.</summary>
    private async Task FinishAsync(TaskMessage task, WorkerContext context, ResultMessage? result, Activity? span)
    {
        if (_deactivated)
        {
            // Nothing is kept: the task comes again to a fresh activation, which must find no part here and start
            // over; what this one did tentatively is undone.
            await RunEffectsAsync(context.Effects, commit: false).ConfigureAwait(true);
            return;
        }

        // Held before the result leaves, the result with it: the decision can follow the result at once, and an
        // activation that takes over the part can send the result again.
        try
        {
            await HoldAsync(context, result).ConfigureAwait(true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Its effects cannot be kept for the decision: undone now, and no result goes out. This activation steps
            // aside (a live one would ignore the task sent again): its lease lapses, the task comes again, and a fresh
            // activation starts over.
            LogHoldFailed(ex, task.RequestId, Name);
            await RunEffectsAsync(context.Effects, commit: false).ConfigureAwait(true);
            StepAside();
            return;
        }

        try
        {
            ArmDue(Part.DueAt!.Value);
        }
        catch (InvalidOperationException ex)
        {
            // Orleans let this activation go while it held the part (e.g. its directory entry died with a silo): a
            // stored part (one with effects) is armed by the next activation, which sends the result again when given
            // the task again; one with nothing stored starts over there.
            LogLetGoWhileHolding(ex, task.RequestId, Name);
            return;
        }

        if (result is null)
        {
            return;
        }

        span?.SetTag("trustchain.result_status", result.Succeeded ? nameof(WorkerResultStatus.Succeeded) : nameof(WorkerResultStatus.Failed));
        await SendResultAsync(task, result).ConfigureAwait(true);
    }

    /// <summary>
    /// The result to the request, retried while the request's silo is failing over, until the deadline: an answered
    /// call is a stored result (or a refusal, DuplicateResult when an earlier attempt was stored after all).
    /// </summary>
    private async Task SendResultAsync(TaskMessage task, ResultMessage result)
    {
        try
        {
            var request = RequestGrain;
            var onRetry = (Exception ex, int attempt) =>
            {
                if (attempt == 1)
                {
                    LogResultRetrying(ex, task.RequestId, Name);
                }
            };
            if (await TransientFailures.RetryAsync(() => request.OnResultAsync(result), Remaining(task), onRetry).ConfigureAwait(true) is { } rejection)
            {
                LogResultRejected(task.RequestId, Name, rejection);
            }
            else
            {
                LogResultAccepted(task.RequestId, Name);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // E.g. Orleans let this activation go meanwhile: a stored part keeps its result, which the next activation
            // sends again when the task comes again; with nothing stored, the next activation starts over.
            LogResultFailed(ex, task.RequestId, Name);
        }
    }

    private TimeSpan Remaining(TaskMessage task)
    {
        var left = task.Deadline - Services.Time.GetUtcNow();
        return left < TimeSpan.Zero ? TimeSpan.Zero : left;
    }

    private async Task RenewLeaseAsync(CancellationToken cancellationToken)
    {
        var services = Services;
        try
        {
            await RequestGrain.OnLeaseRenewalAsync(new LeaseRenewal(Request, Name, services.Instance, services.Time.GetUtcNow())).ConfigureAwait(true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogLeaseRenewalFailed(ex, Request, Name);
        }
    }

    /// <summary>Keeps this part (its effects and nested requests, as data) until the decision or the TTL.</summary>
    private async Task HoldAsync(WorkerContext context, ResultMessage? result)
    {
        var part = Part;
        part.Effects = [.. context.Effects];
        part.Children = [.. context.Dispatched];
        part.Result = result;
        part.Stage = WorkerPartStage.Held;
        part.DueAt = Services.Time.GetUtcNow() + Services.Options.TentativeTtl;
        if (part.Effects.Count > 0 || HasUnjoinedChildren(part.Children, result))
        {
            // A part with nothing to undo is not written: a fresh activation that finds no part starts over, and
            // acknowledges a decision the same way (nothing held, nothing to do). Nested requests joined under the
            // result need no write either: the request has them in its outcome and names them in the decision. A
            // fresh activation that starts over dispatches its own; those of the result the request did not take
            // are aborted here if this activation is still there, and otherwise expire (undone) like those of a
            // handler whose silo died while it ran.
            await WritePartAsync().ConfigureAwait(true);
        }
    }

    /// <summary>
    /// A nested request under a result of this part's that the request did not take: another activation's result was
    /// taken (this one ran the handler again after the first was let go) or this one was refused. It is in no outcome,
    /// so it never commits. A decision from a sender that names no nested requests (<c>null</c>) says nothing of it.
    /// </summary>
    private static bool NotTaken(RequestId child, ResultMessage? sent, DecisionMessage decision) =>
        decision.Children is { } joined
        && !joined.Contains(child)
        && Carries(sent, child);

    private static bool Carries(ResultMessage? result, RequestId child) => result is not null && result.Children.Any(c => c.RequestId == child);

    /// <summary>A nested request the result does not carry (the handler did not await it): only this part can decide it.</summary>
    private static bool HasUnjoinedChildren(List<RequestId> dispatched, ResultMessage? result)
    {
        foreach (var child in dispatched)
        {
            if (!Carries(result, child))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Lets this activation go, unless Orleans already did (e.g. the decision forgot the part meanwhile).</summary>
    private void StepAside()
    {
        try
        {
            DeactivateOnIdle();
        }
        catch (InvalidOperationException)
        {
            // Already let go.
        }
    }

    /// <summary>Undoes what will never be decided (declined, refused, or the verdict never reached the request).</summary>
    private async Task DropAsync(WorkerContext context)
    {
        if (context.Effects.Count > 0)
        {
            await RunEffectsAsync(context.Effects, commit: false).ConfigureAwait(true);
            LogDropped(context.RequestId, Name, context.Effects.Count);
        }

        DeactivateOnIdle();
    }

    private void ArmDue(DateTimeOffset due)
    {
        var delay = due - Services.Time.GetUtcNow();
        _due ??= this.RegisterGrainTimer(OnDueAsync, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        _due.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }

    private async Task OnDueAsync(CancellationToken cancellationToken)
    {
        var part = Part;
        using var scope = part.Task is { } task ? BeginScope(task, span: null) : null;
        if (part.Stage == WorkerPartStage.Held)
        {
            // No decision within the TTL: undone on its own, logged and counted; remembered one more TTL.
            DecisionMetrics.ExpiredOne(Name);
            LogTtlExpired(Request, Name, Services.Options.TentativeTtl, part.Effects.Count);
            part.Detail = await RunEffectsAsync(part.Effects, commit: false).ConfigureAwait(true);
            part.Stage = WorkerPartStage.Expired;
            part.Result = null;
            part.DueAt = Services.Time.GetUtcNow() + Services.Options.TentativeTtl;
            if (_stored)
            {
                await WritePartAsync(cancellationToken).ConfigureAwait(true);
            }

            ArmDue(part.DueAt.Value);
            return;
        }

        await ForgetPartAsync(cancellationToken).ConfigureAwait(true);
    }

    /// <summary>Drops the part's persisted state and lets the activation go.</summary>
    private async Task ForgetPartAsync(CancellationToken cancellationToken = default)
    {
        if (_stored)
        {
            await _part.ClearStateAsync(cancellationToken).ConfigureAwait(true);
            _stored = false;
        }

        _due?.Dispose();
        _due = null;
        DeactivateOnIdle();
    }

    /// <summary>Runs every effect's commit or undo; a failing one is logged and does not stop the others.</summary>
    private async Task<string?> RunEffectsAsync(IReadOnlyList<TentativeEffect> effects, bool commit)
    {
        var details = new List<string>();
        foreach (var effect in effects)
        {
            try
            {
                await (commit ? CommitAsync(Request, effect) : AbortAsync(Request, effect)).ConfigureAwait(true);
                if (effect.Description is { } description)
                {
                    details.Add(description);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogEffectFailed(ex, Request, Name, commit ? Decision.Commit : Decision.Abort);
                details.Add($"{effect.Description ?? effect.Kind} ({(commit ? "commit" : "undo")} failed: {ex.Message})");
            }
        }

        return details.Count == 0 ? null : string.Join("; ", details);
    }

    /// <summary>The result, signed whatever the policy (unless this silo's workers do not sign at all).</summary>
    private ResultMessage Result(TaskMessage task, bool succeeded, JsonElement? payload, string? error, WorkerContext context, DateTimeOffset startedAt)
    {
        var services = Services;
        var children = context.Children;
        ReplySignature? signature = null;
        if (services.Keys.SigningKeyFor(Name) is { } key)
        {
            payload = PayloadAsSent.Of(payload);
            signature = key.SignResult(task.RequestId, task.Topic, succeeded, payload, error, children);
        }

        return new(task.RequestId, task.Topic, Name, services.Instance, succeeded, Serialization.TrustChainJson.Own(payload), error, children, startedAt, services.Time.GetUtcNow(), signature);
    }

    /// <summary>Log entries about this part carry the request's id, topic, this worker's name and the trace id.</summary>
    private IDisposable? BeginScope(TaskMessage task, Activity? span) => _logger.BeginScope(new LogScopeState(
        new("RequestId", task.RequestId.Value),
        new("Topic", task.Topic),
        new("Worker", Name),
        new("TraceId", span?.TraceId.ToHexString() ?? TraceIds.Of(task.TraceParent))));

    private Activity? StartSpan(TaskMessage task)
    {
        ActivityContext.TryParse(task.TraceParent, task.TraceState, isRemote: true, out var parent);
        var span = TrustChainTelemetry.Source.StartActivity(TrustChainTelemetry.HandleSpan, ActivityKind.Consumer, parent);
        span?.SetTag("trustchain.request_id", task.RequestId.Value);
        span?.SetTag("trustchain.topic", task.Topic);
        span?.SetTag("trustchain.worker", Name);
        span?.SetTag("trustchain.node", Services.Instance);
        return span;
    }

    private const string PartStateName = "part";

    [LoggerMessage(Level = LogLevel.Warning, Message = "The work of {Worker} on {RequestId} failed as it stopped for the decision; the decision applies to what it held")]
    private partial void LogWorkEndedBadly(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker} was deactivated while working on {RequestId} ({Reason}); its lease lapses and the task is redelivered")]
    private partial void LogDeactivatedWhileWorking(RequestId requestId, string worker, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Worker} took the task of {RequestId}")]
    private partial void LogTaken(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Worker} took the redelivered task of {RequestId}")]
    private partial void LogTakenAgain(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {RequestId} reached {Worker} after its deadline; dropped")]
    private partial void LogExpired(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} failed to decide interest in {RequestId}; its verdict says so")]
    private partial void LogInterestFailed(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} could not give its verdict on {RequestId}")]
    private partial void LogVerdictFailed(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker}'s interest in {RequestId} was refused ({Reason}); work dropped")]
    private partial void LogRefused(RequestId requestId, string worker, RejectionReason? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker} stopped work on {RequestId}: the request ended before it")]
    private partial void LogStopped(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} failed on {RequestId}; replying with the error")]
    private partial void LogWorkFailed(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "The result of {Worker} for {RequestId} was refused: {Reason}")]
    private partial void LogResultRejected(RequestId requestId, string worker, RejectionReason reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The result of {Worker} for {RequestId} was accepted")]
    private partial void LogResultAccepted(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker} holds its part of {RequestId} from an activation that went away; the task came again, so its result goes again")]
    private partial void LogResending(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker} was let go while holding its part of {RequestId}; its next activation sends the stored result again, or starts over if nothing was stored")]
    private partial void LogLetGoWhileHolding(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker} could not reach the request {RequestId} with its result (its silo may be failing over); retrying until the deadline")]
    private partial void LogResultRetrying(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} could not hold its part of {RequestId} for the decision; its tentative effects are undone, no result is sent and the task is left to its redelivery")]
    private partial void LogHoldFailed(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} could not send its result for {RequestId}")]
    private partial void LogResultFailed(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} could not renew its lease on {RequestId}")]
    private partial void LogLeaseRenewalFailed(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A task for {RequestId} could not be delivered to {Worker}")]
    private partial void LogDeliveryFailed(Exception exception, string requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker}'s {Effects} tentative effect(s) of {RequestId} got no decision within {Ttl}; undone")]
    private partial void LogTtlExpired(RequestId requestId, string worker, TimeSpan ttl, int effects);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} received Commit for {RequestId} after its tentative effects expired and were undone")]
    private partial void LogCommitAfterExpiry(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker} undid {Effects} tentative effect(s) of {RequestId}: they will never be decided")]
    private partial void LogDropped(RequestId requestId, string worker, int effects);

    [LoggerMessage(Level = LogLevel.Error, Message = "A tentative effect of {Worker} on {RequestId} failed to apply {Decision}")]
    private partial void LogEffectFailed(Exception exception, RequestId requestId, string worker, Decision decision);
}
