using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Serialization;
using TrustChain.Signing;
using TrustChain.Telemetry;

namespace TrustChain.Dispatch;

/// <summary>
/// Dispatches from wherever grains can be called (a silo, the API co-hosted with one, or an Orleans client): starts
/// the request's grain, waits for its outcome in calls shorter than Orleans' response timeout, and decides the
/// request once it ends (Commit or Abort). Workers' nested dispatches go through <see cref="StartNestedAsync"/>.
/// </summary>
public sealed partial class TrustChainDispatcher(
    IGrainFactory grains,
    IOptions<TrustChainOptions> options,
    IOptions<SigningOptions> signing,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider time,
    ILogger<TrustChainDispatcher> logger) : ITrustChainDispatcher
{
    private readonly TrustChainOptions _options = options.Value;
    private readonly SigningOptions _signing = signing.Value;

    public async Task<RequestOutcome> DispatchAsync(string topic, JsonElement payload, DispatchOptions? options = null, CancellationToken cancellationToken = default)
    {
        var handle = await StartAsync(topic, payload, options, cancellationToken).ConfigureAwait(false);
        return await handle.Outcome.ConfigureAwait(false);
    }

    public Task<RequestOutcome> DispatchAsync<TPayload>(string topic, TPayload payload, DispatchOptions? options = null, CancellationToken cancellationToken = default) =>
        DispatchAsync(topic, TrustChainJson.ToElement(payload), options, cancellationToken);

    public Task<IRequestHandle> StartAsync(string topic, JsonElement payload, DispatchOptions? options = null, CancellationToken cancellationToken = default) =>
        StartAsync(topic, payload, options, parent: null, parentWorker: null, cancellationToken);

    /// <summary>A nested dispatch from a worker's handler: it inherits the parent's deadline, policy and trace.</summary>
    internal Task<IRequestHandle> StartNestedAsync(string topic, JsonElement payload, DispatchOptions? options, TaskMessage parent, string parentWorker, CancellationToken cancellationToken) =>
        StartAsync(topic, payload, options, parent, parentWorker, cancellationToken);

    private async Task<IRequestHandle> StartAsync(string topic, JsonElement payload, DispatchOptions? options, TaskMessage? parent, string? parentWorker, CancellationToken cancellationToken)
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

        // The request's span lives here, with whoever waits for the outcome; the journal's steps become its events
        // as the outcome comes in. A child of the API's HTTP request, or of the handling worker's span when nested.
        var span = TrustChainTelemetry.Source.StartActivity(TrustChainTelemetry.RequestSpan, ActivityKind.Producer);
        var traced = span ?? Activity.Current;
        var now = time.GetUtcNow();
        var deadline = now + timeout;
        if (parent is not null && parent.Deadline < deadline)
        {
            deadline = parent.Deadline; // a child never outlives the request waiting for it
        }

        // A nested request is held to at least the policy of the request above it.
        var policy = _signing.PolicyFor(topic);
        if (parent is not null && parent.Signing > policy)
        {
            policy = parent.Signing;
        }

        var task = new TaskMessage(
            RequestId.New(_options.NodeId),
            topic,
            payload.ValueKind == JsonValueKind.Undefined ? TrustChainJson.ToElement<object?>(null) : TrustChainJson.Own(payload),
            now,
            deadline,
            lease,
            parent?.RequestId,
            parentWorker,
            traced?.Id,
            traced?.TraceStateString,
            policy);
        span?.SetTag("trustchain.request_id", task.RequestId.Value);
        span?.SetTag("trustchain.topic", topic);
        span?.SetTag("trustchain.parent_request_id", parent?.RequestId.Value);
        span?.SetTag("trustchain.parent_worker", parentWorker);

        var grain = grains.Grain<IRequestGrain>(task.RequestId.Value);
        // With no acceptance check of the caller's to run, the decision follows from the outcome alone: the request
        // takes it as it ends, in the write that stores the end, instead of a call and a write more from here.
        var decideWhenEnded = parent is null && options?.AcceptOutcome is null;
        try
        {
            // A start is idempotent: retried while the silo its grain went to is failing over.
            await TransientFailures.RetryAsync(() => grain.StartAsync(task, window, decideWhenEnded), timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            span?.AddException(ex);
            span?.SetStatus(ActivityStatusCode.Error, "the request could not be started");
            span?.Dispose();
            throw;
        }

        if (parent is not null && parentWorker is not null)
        {
            await AnnounceChildAsync(parent, parentWorker, task).ConfigureAwait(false);
        }

        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static g => ((IRequestGrain)g!).CancelAsync().Ignore(), grain)
            : default;
        // The wait needs the task's ids and trace, not its payload: a long request does not keep its body here.
        var outcome = FinishAsync(grain, task.WithoutPayload(), registration, options?.AcceptOutcome, span);
        return new RequestHandle(task.RequestId, grain, outcome);
    }

    /// <summary>Tells the parent's grain, for its journal; the nested outcome itself travels in the worker's result.</summary>
    private async Task AnnounceChildAsync(TaskMessage parent, string parentWorker, TaskMessage child)
    {
        try
        {
            await grains.Grain<IRequestGrain>(parent.RequestId.Value)
                .OnChildDispatchedAsync(new ChildDispatched(parent.RequestId, parentWorker, child.RequestId, child.Topic, child.DispatchedAt))
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogChildAnnouncementFailed(ex, child.RequestId, parent.RequestId);
        }
    }

    private async Task<RequestOutcome> FinishAsync(IRequestGrain grain, TaskMessage task, CancellationTokenRegistration registration, Func<RequestOutcome, bool>? acceptOutcome, Activity? span)
    {
        using (span)
        {
            RequestOutcome? outcome;
            do
            {
                // Each wait is shorter than Orleans' response timeout; a request may run up to MaxTimeout. While the
                // grain's silo fails over, the calls fail and are retried: the grain resumes from storage elsewhere.
                outcome = await TransientFailures.RetryAsync(() => grain.WaitForOutcomeAsync(_options.WatchPollWait), FailoverBudget(task), OnRetry(task)).ConfigureAwait(false);
            }
            while (outcome is null);

            await registration.DisposeAsync().ConfigureAwait(false);
            // A request started to decide itself has its decision in the outcome already (stored with its end); one
            // that was not, or that ended before it could, is decided here.
            var decidedHere = task.ParentRequestId is null && outcome.Decision is null;
            if (decidedHere)
            {
                var (decision, reason) = Decide(outcome, acceptOutcome);
                await TransientFailures.RetryAsync(() => grain.DecideAsync(decision, reason), FailoverBudget(task), OnRetry(task)).ConfigureAwait(false);
            }

            if (span is null && !decidedHere)
            {
                return outcome;
            }

            // The journal (decision included) onto the request's span, then the outcome as it now stands.
            var state = await TransientFailures.RetryAsync(() => grain.GetAsync(), FailoverBudget(task), OnRetry(task)).ConfigureAwait(false);
            if (span is not null && state is not null)
            {
                new RequestTelemetry(task, span, countMetrics: false).Observe(state.Events, 0);
            }

            return decidedHere && state is not null ? outcome with { Decision = state.Snapshot.Decision } : outcome;
        }
    }

    /// <summary>
    /// How long a wait keeps retrying a grain that does not answer: to the request's deadline (after which a resumed
    /// grain ends it at once), and a minute more for the cluster to declare a dead silo dead and move the grain.
    /// </summary>
    private TimeSpan FailoverBudget(TaskMessage task)
    {
        var left = task.Deadline - time.GetUtcNow();
        return (left < TimeSpan.Zero ? TimeSpan.Zero : left) + TimeSpan.FromMinutes(1);
    }

    private Action<Exception, int> OnRetry(TaskMessage task) => (ex, attempt) =>
    {
        if (attempt == 1)
        {
            LogRetrying(ex, task.RequestId);
        }
    };

    /// <summary>Commit only when the request ended Completed or NoInterest and the dispatcher accepts the outcome.</summary>
    private (Decision Decision, string Reason) Decide(RequestOutcome outcome, Func<RequestOutcome, bool>? acceptOutcome)
    {
        var byRule = DecisionRule.For(outcome.Status);
        if (byRule.Decision == Decision.Abort || acceptOutcome is null)
        {
            return byRule;
        }

        try
        {
            return acceptOutcome(outcome) ? byRule : (Decision.Abort, "the dispatcher refused the outcome");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAcceptFailed(ex, outcome.RequestId);
            return (Decision.Abort, $"the dispatcher's acceptance check failed: {ex.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not journal nested request {RequestId} with its parent {ParentRequestId}")]
    private partial void LogChildAnnouncementFailed(Exception exception, RequestId requestId, RequestId parentRequestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The grain of request {RequestId} does not answer (its silo may be failing over); retrying")]
    private partial void LogRetrying(Exception exception, RequestId requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The dispatcher's acceptance check failed on {RequestId}; deciding Abort")]
    private partial void LogAcceptFailed(Exception exception, RequestId requestId);

    private sealed class RequestHandle(RequestId id, IRequestGrain grain, Task<RequestOutcome> outcome) : IRequestHandle
    {
        public RequestId RequestId => id;

        public Task<RequestOutcome> Outcome => outcome;

        public void Cancel() => grain.CancelAsync().Ignore();
    }
}
