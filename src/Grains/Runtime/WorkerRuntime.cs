using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TrustChain.Messages;
using TrustChain.Serialization;
using TrustChain.Signing;
using TrustChain.Telemetry;

namespace TrustChain.Runtime;

/// <summary>
/// Runs one worker's side of the protocol for each task its queue delivers: verdict at once, wait for the grain to
/// accept it, work while renewing the lease, send exactly one result. Returning acknowledges the task.
/// </summary>
internal sealed partial class WorkerRuntime(
    IWorker worker,
    ITransport transport,
    RequestDispatcher dispatcher,
    InFlightTasks inFlight,
    TentativeEffects tentative,
    TimeProvider time,
    WorkerKey? key,
    ILogger logger)
{
    public IWorker Worker => worker;

    public async Task HandleAsync(TaskMessage task, bool redelivered, CancellationToken nodeStopping)
    {
        using var current = new InFlightTask(task, worker.Name, time, nodeStopping);
        if (current.Token.IsCancellationRequested)
        {
            nodeStopping.ThrowIfCancellationRequested(); // not ours to acknowledge: hand it back
            LogExpired(task.RequestId, worker.Name);
            return;
        }

        if (!inFlight.TryBegin(current))
        {
            LogDuplicateDelivery(task.RequestId, worker.Name);
            return;
        }

        // A child of the request's span on its owner, wherever that runs; current while the worker works, so that its
        // nested dispatches become children of this handling.
        using var span = StartSpan(task);
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["RequestId"] = task.RequestId.Value,
            ["Topic"] = task.Topic,
            ["Worker"] = worker.Name,
            ["TraceId"] = (span ?? Activity.Current)?.TraceId.ToHexString(),
        });
        var context = new WorkerContext(current, dispatcher, logger, time);
        try
        {
            await RunAsync(current, context, redelivered, span).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (current.Token.IsCancellationRequested && !nodeStopping.IsCancellationRequested)
        {
            // The request was cancelled or timed out: its grain has ended, nobody waits for a result. Its decision
            // (Abort) is coming, and undoes what was done so far.
            LogStopped(task.RequestId, worker.Name);
            span?.AddEvent(new ActivityEvent("trustchain.stopped"));
            Hold(context);
        }
        catch (OperationCanceledException) when (nodeStopping.IsCancellationRequested && !context.Held)
        {
            // Handed back: another instance does the work again, so ours must not stay.
            span?.SetStatus(ActivityStatusCode.Error, "handed back: the node is stopping");
            await tentative.DropAsync(task.RequestId, worker.Name, context.Effects).ConfigureAwait(false);
            throw;
        }
        finally
        {
            inFlight.End(current);
        }
    }

    private Activity? StartSpan(TaskMessage task)
    {
        ActivityContext.TryParse(task.TraceParent, task.TraceState, isRemote: true, out var parent);
        var span = TrustChainTelemetry.Source.StartActivity(TrustChainTelemetry.HandleSpan, ActivityKind.Consumer, parent);
        span?.SetTag("trustchain.request_id", task.RequestId.Value);
        span?.SetTag("trustchain.topic", task.Topic);
        span?.SetTag("trustchain.worker", worker.Name);
        span?.SetTag("trustchain.node", transport.NodeId);
        return span;
    }

    private async Task RunAsync(InFlightTask current, WorkerContext context, bool redelivered, Activity? span)
    {
        var task = current.Task;

        bool interested;
        string? problem = null;
        try
        {
            interested = await worker.IsInterestedAsync(task.Payload, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A worker that cannot decide says so: a failed verdict, never a quiet decline, so the request cannot end
            // as if it had consented (DESIGN.md, step 3). The message goes out; the exception stays in the log.
            LogInterestFailed(ex, task.RequestId, worker.Name);
            interested = false;
            problem = ex is UnreadablePayloadException ? ex.Message : $"{worker.Name} could not decide: {ex.Message}";
        }

        current.Token.ThrowIfCancellationRequested();
        span?.SetTag("trustchain.interested", interested);
        var verdict = new VerdictMessage(task.RequestId, task.Topic, worker.Name, transport.NodeId, interested, time.GetUtcNow(),
            key?.Sign(ReplyCanonicalForm.ForVerdict(task.RequestId, task.Topic, worker.Name, interested)), problem);
        await transport.SendAsync(task.ReplyTo, verdict, current.Token).ConfigureAwait(false);
        if (!interested)
        {
            await tentative.DropAsync(task.RequestId, worker.Name, context.Effects).ConfigureAwait(false);
            return;
        }

        var reply = await current.VerdictReply.WaitAsync(current.Token).ConfigureAwait(false);
        if (!reply.Accepted)
        {
            // Not a participant: no decision will ever come for what it did while deciding.
            LogRefused(task.RequestId, worker.Name, reply.Reason, redelivered);
            span?.AddEvent(new ActivityEvent("trustchain.refused", tags: new ActivityTagsCollection { ["trustchain.reason"] = reply.Reason?.ToString() }));
            await tentative.DropAsync(task.RequestId, worker.Name, context.Effects).ConfigureAwait(false);
            return;
        }

        var startedAt = time.GetUtcNow();
        ResultMessage result;
        await using (RenewLeaseWhileWorking(current))
        {
            try
            {
                var value = await worker.HandleAsync(task.Payload, context).ConfigureAwait(false);
                result = Result(task, succeeded: true, value, error: null, context, startedAt);
            }
            catch (OperationCanceledException) when (current.Token.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                LogWorkFailed(ex, task.RequestId, worker.Name);
                // The worker's message only: the exception's type and stack are internals, and go to the log.
                result = Result(task, succeeded: false, payload: null, ex.Message, context, startedAt);
            }
        }

        span?.SetTag("trustchain.result_status", result.Succeeded ? nameof(WorkerResultStatus.Succeeded) : nameof(WorkerResultStatus.Failed));
        if (!result.Succeeded)
        {
            span?.SetStatus(ActivityStatusCode.Error, result.Error);
        }

        // Held before the result leaves: the decision can follow the result at once.
        Hold(context);
        await transport.SendAsync(task.ReplyTo, result, current.Token).ConfigureAwait(false);
    }

    /// <summary>Keeps this worker's part of the request (its effects and nested requests) until the decision.</summary>
    private void Hold(WorkerContext context)
    {
        if (!context.Held)
        {
            context.Held = true;
            tentative.Hold(context.RequestId, worker.Name, context.Effects, context.Dispatched);
        }
    }

    /// <summary>
    /// The result, signed whatever the policy (unless this node's workers do not sign at all): whether a signature is
    /// demanded is the dispatcher's call, not the worker's.
    /// </summary>
    private ResultMessage Result(TaskMessage task, bool succeeded, JsonElement? payload, string? error, WorkerContext context, DateTimeOffset startedAt)
    {
        var children = context.Children;
        ReplySignature? signature = null;
        if (key is not null)
        {
            payload = AsSent(payload);
            signature = key.Sign(ReplyCanonicalForm.ForResult(task.RequestId, task.Topic, worker.Name, succeeded, payload, error, children.Select(c => c.RequestId)));
        }

        return new(task.RequestId, task.Topic, worker.Name, transport.NodeId, succeeded, payload, error, children, startedAt, time.GetUtcNow(), signature);
    }

    /// <summary>
    /// The payload as the wire and the outcome will write it (compact, TrustChain's JSON settings), so that the text
    /// the signature covers is the text every reader sees, whatever formatting the worker's element had.
    /// </summary>
    private static JsonElement? AsSent(JsonElement? payload)
    {
        if (payload is not { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } value)
        {
            return payload;
        }

        using var document = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(value, TrustChainJson.Options));
        return document.RootElement.Clone();
    }

    /// <summary>Heartbeats at a third of the lease, so that two may be lost before the grain counts the worker lost.</summary>
    private LeaseRenewer RenewLeaseWhileWorking(InFlightTask current) =>
        new(current, transport, time, ex => LogLeaseRenewalFailed(ex, current.Task.RequestId, worker.Name));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {RequestId} reached {Worker} after its deadline; dropped")]
    private partial void LogExpired(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {RequestId} delivered twice to {Worker} on this node; the first delivery answers")]
    private partial void LogDuplicateDelivery(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker} stopped work on {RequestId}: the request ended before it")]
    private partial void LogStopped(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} failed to decide interest in {RequestId}; its verdict says so")]
    private partial void LogInterestFailed(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker}'s interest in {RequestId} was refused ({Reason}, redelivered: {Redelivered}); work dropped")]
    private partial void LogRefused(RequestId requestId, string worker, RejectionReason? reason, bool redelivered);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} failed on {RequestId}; replying with the error")]
    private partial void LogWorkFailed(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} could not renew its lease on {RequestId}")]
    private partial void LogLeaseRenewalFailed(Exception exception, RequestId requestId, string worker);
}
