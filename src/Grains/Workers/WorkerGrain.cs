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
    private readonly IPersistentState<WorkerPartState> _part;
    private readonly TrustChainWorkerAttribute _identity;
    private readonly ILogger _logger;
    private CancellationTokenSource? _working;
    private IGrainTimer? _lease;
    private IGrainTimer? _due;
    private bool _taken;
    private bool _deactivated;

    protected WorkerGrain()
    {
        _identity = TrustChainWorkerAttribute.Of(GetType());
        _logger = GrainContext.ActivationServices.GetRequiredService<ILoggerFactory>().CreateLogger($"TrustChain.Workers.{_identity.Name}");
        var factory = GrainContext.ActivationServices.GetRequiredService<IPersistentStateFactory>();
        _part = factory.Create<WorkerPartState>(GrainContext, new PartStateConfiguration());
    }

    /// <summary>The worker's name: the unit of interest, of reply and of signature.</summary>
    public string Name => _identity.Name;

    public IReadOnlyList<string> Topics => _identity.WorkerTopics;

    private WorkerServices Services => field ??= ServiceProvider.GetRequiredService<WorkerServices>();

    private RequestId Request => RequestId.Parse(this.GetPrimaryKeyString());

    private IRequestGrain RequestGrain => GrainFactory.GetGrain<IRequestGrain>(this.GetPrimaryKeyString());

    /// <summary>Decides at once whether the task is for this worker; throw to say it cannot (never a quiet decline).</summary>
    protected abstract ValueTask<bool> IsInterestedInTaskAsync(JsonElement payload, IWorkerContext context);

    /// <summary>Does the work. A returned value is a success; an exception is a failure with its message.</summary>
    protected abstract Task<JsonElement?> HandleTaskAsync(JsonElement payload, IWorkerContext context);

    /// <summary>Makes a tentative effect real: the whole journey committed.</summary>
    protected virtual Task CommitAsync(RequestId request, TentativeEffect effect) => Task.CompletedTask;

    /// <summary>Undoes a tentative effect: the journey aborted, this worker was refused, or no decision came in time.</summary>
    protected virtual Task AbortAsync(RequestId request, TentativeEffect effect) => Task.CompletedTask;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_part.State is { Stage: WorkerPartStage.Held or WorkerPartStage.Settled or WorkerPartStage.Expired, DueAt: { } due })
        {
            ArmDue(due); // a part restored on another activation keeps its TTL
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_working is { IsCancellationRequested: false } && _part.State.Stage == WorkerPartStage.Working)
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
        subscription.Attach<TaskMessage>(OnTaskAsync, OnDeliveryErrorAsync);

    async Task IStreamSubscriptionObserver.OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        var handle = handleFactory.Create<TaskMessage>();
        await handle.ResumeAsync((task, _) => OnTaskAsync(task)).ConfigureAwait(true);
    }

    public Task RedeliverAsync(TaskMessage task)
    {
        // The same activation, still alive and still on it, takes no second copy; a new one (its silo died) starts over.
        ArgumentNullException.ThrowIfNull(task);
        OnTaskAsync(task).Ignore();
        return Task.CompletedTask;
    }

    public Task StopAsync(RequestStatus status)
    {
        _working?.Cancel();
        return Task.CompletedTask;
    }

    public async Task ApplyDecisionAsync(DecisionMessage decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var part = _part.State;
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
            part.Detail = await RunEffectsAsync(part.Effects, decision.Decision == Decision.Commit).ConfigureAwait(true);
            part.Stage = WorkerPartStage.Settled;

            // A part with effects or nested requests is remembered for the TTL, so that a decision sent again is
            // acknowledged AlreadyApplied and applied once; one with neither has nothing to do twice, and is
            // forgotten (state cleared, activation let go) as soon as it has acknowledged.
            forget = part.Effects.Count == 0 && part.Children.Count == 0;
            if (!forget)
            {
                part.DueAt = Services.Time.GetUtcNow() + Services.Options.TentativeTtl;
                await _part.WriteStateAsync().ConfigureAwait(true);
                ArmDue(part.DueAt.Value);
            }

            foreach (var child in part.Children)
            {
                // Nested requests take this request's decision. A worker awaits request grains, never the reverse.
                await GrainFactory.GetGrain<IRequestGrain>(child.Value).DecideAsync(decision.Decision, $"{decision.Decision} of {decision.RequestId}").ConfigureAwait(true);
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
    private async Task OnTaskAsync(TaskMessage task)
    {
        if (_taken || _part.State.Stage is not WorkerPartStage.None and not WorkerPartStage.Working)
        {
            return; // this part already took the task (a second delivery, or a redelivery to a live activation)
        }

        _taken = true;
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
            key?.Sign(ReplyCanonicalForm.ForVerdict(task.RequestId, task.Topic, Name, interested)), problem);
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
        _part.State.Task = task.WithoutPayload();
        _part.State.Stage = WorkerPartStage.Working;
        WorkAsync(task, context, span).Ignore(); // in this activation, interleaving with stop and decision calls
    }

    private async Task WorkAsync(TaskMessage task, WorkerContext context, Activity? span)
    {
        var services = Services;
        var startedAt = services.Time.GetUtcNow();
        var renewEvery = task.LeaseDuration / 3;
        _lease = this.RegisterGrainTimer(RenewLeaseAsync, new GrainTimerCreationOptions(renewEvery, renewEvery) { Interleave = true, KeepAlive = true });
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

            _lease.Dispose();
            _lease = null;
        }

        if (_deactivated)
        {
            // Nothing is kept: the task comes again to a fresh activation, which must find no part here and start
            // over; what this one did tentatively is undone.
            await RunEffectsAsync(context.Effects, commit: false).ConfigureAwait(true);
            span?.Dispose();
            return;
        }

        // Held before the result leaves: the decision can follow the result at once.
        await HoldAsync(context).ConfigureAwait(true);
        if (result is not null)
        {
            span?.SetTag("trustchain.result_status", result.Succeeded ? nameof(WorkerResultStatus.Succeeded) : nameof(WorkerResultStatus.Failed));
            try
            {
                // Retried while the request's silo is failing over, until the deadline: an answered call is a stored
                // result (or a refusal, DuplicateResult when an earlier attempt was stored after all).
                if (await TransientFailures.RetryAsync(() => RequestGrain.OnResultAsync(result), Remaining(task)).ConfigureAwait(true) is { } rejection)
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
                LogResultFailed(ex, task.RequestId, Name);
            }
        }

        span?.Dispose();
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
    private async Task HoldAsync(WorkerContext context)
    {
        var part = _part.State;
        part.Effects = [.. context.Effects];
        part.Children = [.. context.Dispatched];
        part.Stage = WorkerPartStage.Held;
        part.DueAt = Services.Time.GetUtcNow() + Services.Options.TentativeTtl;
        await _part.WriteStateAsync().ConfigureAwait(true);
        ArmDue(part.DueAt.Value);
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
        var part = _part.State;
        using var scope = part.Task is { } task ? BeginScope(task, span: null) : null;
        if (part.Stage == WorkerPartStage.Held)
        {
            // No decision within the TTL: undone on its own, logged and counted; remembered one more TTL.
            DecisionMetrics.ExpiredOne(Name);
            LogTtlExpired(Request, Name, Services.Options.TentativeTtl, part.Effects.Count);
            part.Detail = await RunEffectsAsync(part.Effects, commit: false).ConfigureAwait(true);
            part.Stage = WorkerPartStage.Expired;
            part.DueAt = Services.Time.GetUtcNow() + Services.Options.TentativeTtl;
            await _part.WriteStateAsync(cancellationToken).ConfigureAwait(true);
            ArmDue(part.DueAt.Value);
            return;
        }

        await ForgetPartAsync(cancellationToken).ConfigureAwait(true);
    }

    /// <summary>Drops the part's persisted state and lets the activation go.</summary>
    private async Task ForgetPartAsync(CancellationToken cancellationToken = default)
    {
        await _part.ClearStateAsync(cancellationToken).ConfigureAwait(true);
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
            payload = AsSent(payload);
            signature = key.Sign(ReplyCanonicalForm.ForResult(task.RequestId, task.Topic, Name, succeeded, payload, error, children.Select(c => c.RequestId)));
        }

        return new(task.RequestId, task.Topic, Name, services.Instance, succeeded, payload, error, children, startedAt, services.Time.GetUtcNow(), signature);
    }

    /// <summary>The payload as every reader will see it (compact, TrustChain's JSON settings): what the signature covers.</summary>
    private static JsonElement? AsSent(JsonElement? payload)
    {
        if (payload is not { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } value)
        {
            return payload;
        }

        using var document = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(value, Serialization.TrustChainJson.Options));
        return document.RootElement.Clone();
    }

    /// <summary>Log entries about this part carry the request's id, topic, this worker's name and the trace id.</summary>
    private IDisposable? BeginScope(TaskMessage task, Activity? span) => _logger.BeginScope(new Dictionary<string, object?>
    {
        ["RequestId"] = task.RequestId.Value,
        ["Topic"] = task.Topic,
        ["Worker"] = Name,
        ["TraceId"] = span?.TraceId.ToHexString() ?? TraceIds.Of(task.TraceParent),
    });

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

    private sealed class PartStateConfiguration : IPersistentStateConfiguration
    {
        public string StateName => "part";

        public string StorageName => TrustChainOptions.StorageName;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker} was deactivated while working on {RequestId} ({Reason}); its lease lapses and the task is redelivered")]
    private partial void LogDeactivatedWhileWorking(RequestId requestId, string worker, string reason);

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
