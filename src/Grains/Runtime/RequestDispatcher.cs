using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Serialization;
using TrustChain.Signing;
using TrustChain.Telemetry;

namespace TrustChain.Runtime;

/// <summary>
/// Dispatches on this node: creates the request's grain here (this node owns it), publishes the task, and hands the
/// outcome back once the grain completes. Workers' nested dispatches go through the same path with a parent link.
/// </summary>
public sealed partial class RequestDispatcher : ITrustChainDispatcher
{
    private readonly ITransport _transport;
    private readonly RequestRegistry _registry;
    private readonly TrustChainOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, IResultAggregator> _aggregators;
    private readonly ILogger _logger;
    private readonly SigningOptions _signing;

    public RequestDispatcher(
        ITransport transport,
        RequestRegistry registry,
        IOptions<TrustChainOptions> options,
        TimeProvider time,
        IEnumerable<IResultAggregator> aggregators,
        ILogger<RequestDispatcher> logger,
        IOptions<SigningOptions> signing)
    {
        ArgumentNullException.ThrowIfNull(options);
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _options = options.Value;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _aggregators = (aggregators ?? []).ToDictionary(a => a.Topic, StringComparer.Ordinal);
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _signing = (signing ?? throw new ArgumentNullException(nameof(signing))).Value;
    }

    public async Task<RequestOutcome> DispatchAsync(string topic, JsonElement payload, DispatchOptions? options = null, CancellationToken cancellationToken = default)
    {
        var handle = await StartAsync(topic, payload, options, cancellationToken).ConfigureAwait(false);
        return await handle.Outcome.ConfigureAwait(false);
    }

    public Task<RequestOutcome> DispatchAsync<TPayload>(string topic, TPayload payload, DispatchOptions? options = null, CancellationToken cancellationToken = default) =>
        DispatchAsync(topic, TrustChainJson.ToElement(payload), options, cancellationToken);

    public Task<IRequestHandle> StartAsync(string topic, JsonElement payload, DispatchOptions? options = null, CancellationToken cancellationToken = default) =>
        StartAsync(topic, payload, options, parent: null, cancellationToken);

    /// <summary>Dispatches, nested under <paramref name="parent"/> when a worker dispatches from its handler.</summary>
    internal async Task<IRequestHandle> StartAsync(string topic, JsonElement payload, DispatchOptions? options, TaskMessage? parent, CancellationToken cancellationToken, string? parentWorker = null)
    {
        Topics.ThrowIfInvalid(topic, nameof(topic));
        var timeout = options?.Timeout ?? _options.DefaultTimeout;
        if (timeout <= TimeSpan.Zero || timeout > _options.MaxTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, $"The timeout must be positive and at most {_options.MaxTimeout}.");
        }

        var window = options?.InterestWindow ?? _options.InterestWindow;
        var lease = options?.LeaseDuration ?? _options.LeaseDuration;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero, nameof(DispatchOptions.InterestWindow));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero, nameof(DispatchOptions.LeaseDuration));
        cancellationToken.ThrowIfCancellationRequested();

        // A child of whatever is current: the API's HTTP request, or the handling worker's span for a nested dispatch.
        var span = TrustChainTelemetry.Source.StartActivity(TrustChainTelemetry.RequestSpan, ActivityKind.Producer);
        var traced = span ?? Activity.Current;
        var now = _time.GetUtcNow();
        var deadline = now + timeout;
        if (parent is not null && parent.Deadline < deadline)
        {
            deadline = parent.Deadline; // a child never outlives the request waiting for it
        }

        // A nested request is held to at least the policy of the request above it: a silo configured more loosely
        // cannot let unverified replies into an outcome whose root demands signatures.
        var signing = _signing.PolicyFor(topic);
        if (parent is not null && parent.Signing > signing)
        {
            signing = parent.Signing;
        }

        var task = new TaskMessage(
            RequestId.New(_transport.NodeId),
            topic,
            payload.ValueKind == JsonValueKind.Undefined ? TrustChainJson.ToElement<object?>(null) : payload,
            _transport.NodeId,
            now,
            deadline,
            lease,
            parent?.RequestId,
            parentWorker,
            traced?.Id,
            traced?.TraceStateString,
            signing);

        span?.SetTag("trustchain.request_id", task.RequestId.Value);
        span?.SetTag("trustchain.topic", topic);
        span?.SetTag("trustchain.node", _transport.NodeId);
        span?.SetTag("trustchain.parent_request_id", parent?.RequestId.Value);
        span?.SetTag("trustchain.parent_worker", parentWorker);
        using var scope = BeginScope(task.RequestId, traced);
        var expected = _transport.Membership.WorkersFor(topic);
        var activation = new RequestActivation(new RequestGrain(task, expected, window, _time, Aggregate, signing), _time, span);
        _registry.Add(activation);
        LogDispatched(task.RequestId, topic, expected.Count, parent?.RequestId);

        try
        {
            await _transport.PublishTaskAsync(task, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Nobody received it: forget the request rather than leave it waiting for its deadline.
            _registry.Remove(activation);
            span?.AddException(ex);
            span?.SetStatus(ActivityStatusCode.Error, "the task could not be published");
            span?.Dispose();
            throw;
        }

        if (parent is not null && parentWorker is not null)
        {
            await AnnounceChildAsync(parent, parentWorker, task).ConfigureAwait(false);
        }

        var registration = cancellationToken.CanBeCanceled ? cancellationToken.Register(static a => ((RequestActivation)a!).Cancel(), activation) : default;
        var outcome = FinishTracedAsync(activation, registration, options?.AcceptOutcome, span);
        return new RequestHandle(activation, outcome);
    }

    /// <summary>Log entries about one request carry its id and trace id, wherever they are written from.</summary>
    private IDisposable? BeginScope(RequestId requestId, Activity? traced) => _logger.BeginScope(new Dictionary<string, object?>
    {
        ["RequestId"] = requestId.Value,
        ["TraceId"] = traced?.TraceId.ToHexString(),
    });

    /// <summary>The request's span lasts until its outcome and, for a request at the top, the decision taken on it.</summary>
    private async Task<RequestOutcome> FinishTracedAsync(RequestActivation activation, CancellationTokenRegistration registration, Func<RequestOutcome, bool>? acceptOutcome, Activity? span)
    {
        // Started inside StartAsync, so the request's log scope and current span flow here.
        using (span)
        {
            return await FinishAsync(activation, registration, acceptOutcome).ConfigureAwait(false);
        }
    }

    /// <summary>Tells the parent's owner, for its journal; the nested outcome itself travels in the worker's result.</summary>
    private async Task AnnounceChildAsync(TaskMessage parent, string parentWorker, TaskMessage child)
    {
        try
        {
            await _transport.SendAsync(parent.ReplyTo, new ChildDispatched(parent.RequestId, parentWorker, child.RequestId, child.Topic, child.DispatchedAt), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogChildAnnouncementFailed(ex, child.RequestId, parent.RequestId);
        }
    }

    private async Task<RequestOutcome> FinishAsync(RequestActivation activation, CancellationTokenRegistration registration, Func<RequestOutcome, bool>? acceptOutcome)
    {
        var outcome = await activation.Completion.ConfigureAwait(false);
        await registration.DisposeAsync().ConfigureAwait(false);
        var stillWorking = activation.WorkersStillWorking();
        _registry.Complete(activation);
        LogCompleted(outcome.RequestId, outcome.Topic, outcome.Status, outcome.Results.Count, outcome.ElapsedMs);

        if (stillWorking.Count > 0)
        {
            // Workers still on it must stop (and cascade to their own nested requests).
            try
            {
                await _transport.BroadcastAsync(new CancelRequest(outcome.RequestId, outcome.Status), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogCancelBroadcastFailed(ex, outcome.RequestId);
            }
        }

        // The outcome is already joined: the grain folded it with the topic's aggregator as it ended (see Aggregate).
        if (activation.Task.ParentRequestId is not null)
        {
            // A nested request takes the decision of the request above it, which its dispatching worker's node relays.
            return outcome;
        }

        var (decision, reason) = Decide(outcome, acceptOutcome);
        await DecideAsync(activation, decision, reason).ConfigureAwait(false);
        return outcome with { Decision = activation.Snapshot().Decision };
    }

    /// <summary>
    /// Decides a nested request owned here the way the request above it was decided, once it has ended (it always
    /// does: its deadline is no later than its parent's).
    /// </summary>
    internal async Task DecideNestedAsync(RequestId child, Decision decision, RequestId parent)
    {
        try
        {
            if (_registry.TryGet(child, out var activation))
            {
                await activation.Completion.ConfigureAwait(false);
                await DecideAsync(activation, decision, $"{decision} of {parent}").ConfigureAwait(false);
            }
            else
            {
                LogNestedForgotten(child, parent);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDecisionFailed(ex, child);
        }
    }

    /// <summary>Commit only when every interested worker succeeded (or none was) and the dispatcher accepts the outcome.</summary>
    private (Decision Decision, string Reason) Decide(RequestOutcome outcome, Func<RequestOutcome, bool>? acceptOutcome)
    {
        if (outcome.Status is not (RequestStatus.Completed or RequestStatus.NoInterest))
        {
            return (Decision.Abort, $"the request ended {outcome.Status}");
        }

        try
        {
            return acceptOutcome is null || acceptOutcome(outcome)
                ? (Decision.Commit, $"the request ended {outcome.Status}")
                : (Decision.Abort, "the dispatcher refused the outcome");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAcceptFailed(ex, outcome.RequestId);
            return (Decision.Abort, $"the dispatcher's acceptance check failed: {ex.Message}");
        }
    }

    /// <summary>Records the decision in the grain, then tells every node: participants apply it and acknowledge.</summary>
    private async Task DecideAsync(RequestActivation activation, Decision decision, string reason)
    {
        if (!activation.Decide(decision, reason))
        {
            return;
        }

        DecisionMetrics.Decided(decision);
        LogDecided(activation.RequestId, decision, reason);
        try
        {
            await _transport.BroadcastAsync(new DecisionMessage(activation.RequestId, decision, reason), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The participants' effects expire on their own; the outcome shows nobody acknowledged.
            LogDecisionFailed(ex, activation.RequestId);
        }
    }

    private RequestOutcome Aggregate(RequestOutcome outcome)
    {
        if (!_aggregators.TryGetValue(outcome.Topic, out var aggregator))
        {
            return outcome;
        }

        try
        {
            return outcome with { Combined = aggregator.Aggregate(outcome) };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The results stand on their own; a faulty fold must not lose them.
            LogAggregatorFailed(ex, outcome.Topic, outcome.RequestId);
            return outcome;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dispatched {RequestId} on {Topic} to {Expected} expected worker(s), parent {ParentRequestId}")]
    private partial void LogDispatched(RequestId requestId, string topic, int expected, RequestId? parentRequestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId} on {Topic} ended {Status} with {Results} result(s) in {ElapsedMs} ms")]
    private partial void LogCompleted(RequestId requestId, string topic, RequestStatus status, int results, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not journal nested request {RequestId} with its parent {ParentRequestId}")]
    private partial void LogChildAnnouncementFailed(Exception exception, RequestId requestId, RequestId parentRequestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell workers to stop request {RequestId}")]
    private partial void LogCancelBroadcastFailed(Exception exception, RequestId requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId} decided {Decision}: {Reason}")]
    private partial void LogDecided(RequestId requestId, Decision decision, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send the decision on {RequestId}; its participants' tentative effects will expire")]
    private partial void LogDecisionFailed(Exception exception, RequestId requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Nested request {RequestId} is no longer known here; the decision of {ParentRequestId} cannot reach it and its effects will expire")]
    private partial void LogNestedForgotten(RequestId requestId, RequestId parentRequestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The dispatcher's acceptance check failed on {RequestId}; deciding Abort")]
    private partial void LogAcceptFailed(Exception exception, RequestId requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The aggregator for {Topic} failed on {RequestId}; the outcome is returned without a combined value")]
    private partial void LogAggregatorFailed(Exception exception, string topic, RequestId requestId);

    private sealed class RequestHandle(RequestActivation activation, Task<RequestOutcome> outcome) : IRequestHandle
    {
        public RequestId RequestId => activation.RequestId;

        public Task<RequestOutcome> Outcome => outcome;

        public void Cancel() => activation.Cancel();
    }
}
