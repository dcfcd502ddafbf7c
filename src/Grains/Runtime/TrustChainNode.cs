using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrustChain.Messages;
using TrustChain.Signing;
using TrustChain.Telemetry;

namespace TrustChain.Runtime;

/// <summary>
/// One TrustChain node on one engine: receives what the engine delivers to this node and routes it to the owning
/// grain or the waiting worker, and consumes the queues of the workers hosted here.
/// </summary>
public sealed partial class TrustChainNode : IAsyncDisposable
{
    private readonly ITransport _transport;
    private readonly RequestRegistry _registry;
    private readonly InFlightTasks _inFlight = new();
    private readonly TentativeEffects _tentative;
    private readonly RequestDispatcher _dispatcher;
    private readonly RequestDirectory _directory;
    private readonly List<WorkerRuntime> _workers;
    private readonly TrustChainOptions _options;
    private readonly ILogger _logger;
    private readonly WorkerKeyRing _keys;
    private readonly TrustStore _trust;
    private readonly List<IAsyncDisposable> _subscriptions = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Decisions run off the receive loop: their effects' actions and their acknowledgements' confirms must not hold
    // up the node's other messages (the verdict replies its workers wait for). Those of one request take turns, so
    // that a redelivered decision is answered only after the first was applied and acknowledged.
    private readonly Dictionary<RequestId, Task> _decisionTurns = [];
    private int _started;
    private int _stopRequested;

    public TrustChainNode(
        ITransport transport,
        RequestRegistry registry,
        RequestDispatcher dispatcher,
        RequestDirectory directory,
        IEnumerable<IWorker> workers,
        IOptions<TrustChainOptions> options,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        WorkerKeyRing keys,
        TrustStore trust)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _options = options.Value;
        _logger = loggerFactory.CreateLogger<TrustChainNode>();
        _keys = keys ?? throw new ArgumentNullException(nameof(keys));
        _trust = trust ?? throw new ArgumentNullException(nameof(trust));

        var hosted = workers.ToList();
        var twice = hosted.GroupBy(w => w.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw new InvalidOperationException($"Worker '{twice.Key}' is registered twice on node {transport.NodeId}; a node hosts one instance of each worker.");
        }

        foreach (var worker in hosted)
        {
            Topics.ThrowIfInvalid(worker.Name, $"{worker.GetType().Name}.{nameof(IWorker.Name)}");
            if (worker.Topics.Count == 0)
            {
                throw new InvalidOperationException($"Worker '{worker.Name}' subscribes to no topic.");
            }

            foreach (var topic in worker.Topics)
            {
                Topics.ThrowIfInvalid(topic, $"{worker.GetType().Name}.{nameof(IWorker.Topics)}");
            }
        }

        _dispatcher = dispatcher ?? throw new ArgumentNullException(nameof(dispatcher));
        _directory = directory ?? throw new ArgumentNullException(nameof(directory));
        _tentative = new TentativeEffects(time, _options.TentativeTtl, loggerFactory.CreateLogger<TentativeEffects>());
        _workers = hosted
            .Select(w => new WorkerRuntime(w, transport, dispatcher, _inFlight, _tentative, time, keys.SigningKeyFor(w.Name), loggerFactory.CreateLogger($"TrustChain.Workers.{w.Name}")))
            .ToList();
    }

    public string NodeId => _transport.NodeId;

    public IReadOnlyList<IWorker> Workers => _workers.Select(w => w.Worker).ToList();

    /// <summary>Requests owned by this node that are still running.</summary>
    public int RunningRequests => _registry.Count;

    /// <summary>Tasks this node's workers are deciding on or working on.</summary>
    public int TasksInProgress => _inFlight.Count;

    /// <summary>Parts of requests whose tentative effects wait here for their decision.</summary>
    public int TentativeWaiting => _tentative.Waiting;

    /// <summary>Parts of requests whose tentative effects got no decision within the TTL and were undone, since start.</summary>
    public long TentativeExpired => _tentative.Expired;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("The node is already started.");
        }

        await _transport.StartAsync(ReceiveAsync, cancellationToken).ConfigureAwait(false);
        var nodeStopping = _stopping.Token; // taken once: a late delivery must not touch the source once disposed
        foreach (var runtime in _workers)
        {
            var worker = runtime.Worker;
            var subscription = new WorkerSubscription(worker.Name, worker.Topics.ToArray(), _options.WorkerConcurrency, _keys.SigningKeyFor(worker.Name)?.PublicKey);
            _subscriptions.Add(await _transport.SubscribeAsync(
                subscription,
                (task, redelivered, engineStopping) => HandleAsync(runtime, task, redelivered, engineStopping, nodeStopping),
                cancellationToken).ConfigureAwait(false));
        }

        LogStarted(NodeId, _workers.Count);
    }

    /// <summary>
    /// Stops taking tasks, lets those in progress finish within <see cref="TrustChainOptions.ShutdownGracePeriod"/>
    /// (or until <paramref name="cancellationToken"/>), then hands the rest back to the engine for redelivery.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Hosts may stop a service twice at once (WebApplicationFactory does, while the app's own Run stops it too):
        // one stop runs, later calls wait for it instead of racing it over the subscriptions.
        if (Interlocked.Exchange(ref _stopRequested, 1) == 1)
        {
            await _stopped.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await StopOnceAsync(cancellationToken).ConfigureAwait(false);
            _stopped.TrySetResult();
        }
        catch (Exception ex)
        {
            _stopped.TrySetException(ex);
            throw;
        }
    }

    private async Task StopOnceAsync(CancellationToken cancellationToken)
    {
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(_options.ShutdownGracePeriod);
        using (grace.Token.Register(static s => ((CancellationTokenSource)s!).Cancel(), _stopping))
        {
            foreach (var subscription in _subscriptions)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }

            _subscriptions.Clear();
        }

        foreach (var activation in _registry.All)
        {
            // Nobody on this node will be left to read these outcomes.
            activation.Cancel();
        }

        await _transport.StopAsync(CancellationToken.None).ConfigureAwait(false);
        LogStopped(NodeId);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var subscription in _subscriptions)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }

        _subscriptions.Clear();
        _tentative.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// Runs one task. Its work stops when the engine says so (crash) or when this node's grace period is over: the
    /// engine then hands the unacknowledged task to another instance.
    /// </summary>
    private static async Task HandleAsync(WorkerRuntime runtime, TaskMessage task, bool redelivered, CancellationToken engineStopping, CancellationToken nodeStopping)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(engineStopping, nodeStopping);
        await runtime.HandleAsync(task, redelivered, stopping.Token).ConfigureAwait(false);
    }

    /// <remarks>Never waits: what could (verdict replies' confirms, decisions) runs off this loop.</remarks>
    private ValueTask ReceiveAsync(TrustChainMessage message)
    {
        switch (message)
        {
            case VerdictMessage verdict:
                var known = _registry.TryGet(verdict.RequestId, out var owner);
                var signatureProblem = known && owner.Signing == SigningPolicy.Signed ? _trust.Check(verdict) : null;
                var reply = known
                    ? owner.OnVerdict(verdict, signatureProblem)
                    : new VerdictReply(verdict.RequestId, verdict.Worker, verdict.Instance, Accepted: false, RejectionReason.UnknownRequest);
                if (reply.Reason is { } verdictRejection)
                {
                    Rejected(verdict.RequestId, verdict.Topic, verdict.Worker, "verdict", verdictRejection, counted: known);
                }

                // A verdict that fails its signature check gets no answer: it may name an honest instance it does not
                // come from, and a refusal sent there would make that instance drop work the grain still counts on.
                if (verdict.Interested && (signatureProblem is null || reply.Reason != signatureProblem))
                {
                    // Not awaited: on a broker the send waits for its confirm, and the node's other messages must not
                    // queue behind it. The grain has already decided; the reply only carries the answer.
                    _ = SendVerdictReplyAsync(verdict.Instance, reply, _stopping.Token);
                }

                break;

            case ResultMessage result:
                var rejection = _registry.TryGet(result.RequestId, out var resultOwner)
                    ? resultOwner.OnResult(result, resultOwner.Signing == SigningPolicy.Signed ? _trust.Check(result) : null)
                    : RejectionReason.UnknownRequest;
                if (rejection is { } reason)
                {
                    Rejected(result.RequestId, result.Topic, result.Worker, "result", reason, counted: resultOwner is not null);
                }

                break;

            case LeaseRenewal renewal:
                if (_registry.TryGet(renewal.RequestId, out var leaseOwner))
                {
                    leaseOwner.OnLeaseRenewal(renewal);
                }

                break;

            case ChildDispatched child:
                if (_registry.TryGet(child.RequestId, out var parentOwner))
                {
                    parentOwner.OnChildDispatched(child);
                }

                break;

            case VerdictReply verdictReply:
                _inFlight.OnVerdictReply(verdictReply);
                break;

            case DecisionMessage decision:
                _ = ApplyInTurnAsync(decision);
                break;

            case DecisionAck ack:
                if (!_registry.TryGet(ack.RequestId, out var decided) || !decided.OnDecisionAck(ack))
                {
                    LogAckIgnored(ack.RequestId, ack.Worker, ack.Status);
                }

                break;

            case RequestQuery query:
                // Not awaited: a long poll must not hold up this node's messages.
                _ = _directory.AnswerAsync(query);
                break;

            case RequestQueryReply queryReply:
                _directory.OnReply(queryReply);
                break;

            case CancelRequest cancel:
                _inFlight.Cancel(cancel.RequestId);
                break;

            default:
                LogUnexpected(message.GetType().Name, message.RequestId);
                break;
        }

        return ValueTask.CompletedTask;
    }

    private async Task SendVerdictReplyAsync(string instance, VerdictReply reply, CancellationToken stopping)
    {
        try
        {
            await _transport.SendAsync(instance, reply, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: the worker's wait ends with the request's deadline.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogVerdictReplyFailed(ex, reply.RequestId, reply.Worker);
        }
    }

    private async Task ApplyInTurnAsync(DecisionMessage decision)
    {
        var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_decisionTurns)
        {
            previous = _decisionTurns.GetValueOrDefault(decision.RequestId) ?? Task.CompletedTask;
            _decisionTurns[decision.RequestId] = turn.Task;
        }

        try
        {
            await previous.ConfigureAwait(false); // a turn never faults
            await ApplyDecisionAsync(decision).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDecisionFailed(ex, decision.RequestId, decision.Decision);
        }
        finally
        {
            lock (_decisionTurns)
            {
                if (_decisionTurns.TryGetValue(decision.RequestId, out var latest) && latest == turn.Task)
                {
                    _decisionTurns.Remove(decision.RequestId);
                }
            }

            turn.SetResult();
        }
    }

    /// <summary>
    /// Applies a decision to the effects held here, acknowledges each part to the request's owner, and passes the
    /// decision down to the nested requests those parts dispatched (owned here, since their worker ran here).
    /// </summary>
    private async Task ApplyDecisionAsync(DecisionMessage decision)
    {
        foreach (var (ack, children) in await _tentative.ApplyAsync(decision, NodeId).ConfigureAwait(false))
        {
            try
            {
                await _transport.SendAsync(decision.RequestId.Owner, ack, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogAckFailed(ex, ack.RequestId, ack.Worker);
            }

            foreach (var child in children)
            {
                // Not awaited: a nested request that is still ending must not hold up this node's messages.
                _ = _dispatcher.DecideNestedAsync(child, decision.Decision, decision.RequestId);
            }
        }
    }

    /// <summary>
    /// Counts and logs a refused reply. A late or redelivered verdict is routine (debug); a result refused, or a
    /// verdict that is unsigned, forged or contradicts itself, is worth a warning.
    /// </summary>
    /// <param name="counted">True when a request took the reply: its activation counted the rejection. A reply for no
    /// request here is counted now.</param>
    private void Rejected(RequestId requestId, string topic, string worker, string kind, RejectionReason reason, bool counted)
    {
        if (!counted)
        {
            TrustChainMetrics.ReplyRejected(topic, reason, kind);
        }

        var routine = kind == "verdict" && reason is RejectionReason.InterestClosed or RejectionReason.RequestEnded
            or RejectionReason.UnknownRequest or RejectionReason.LeaseExpired or RejectionReason.DuplicateResult;
        if (routine)
        {
            LogRoutineRejection(kind, worker, requestId, reason);
        }
        else
        {
            LogReplyRejected(kind, worker, requestId, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "TrustChain node {NodeId} started with {Workers} worker(s)")]
    private partial void LogStarted(string nodeId, int workers);

    [LoggerMessage(Level = LogLevel.Information, Message = "TrustChain node {NodeId} stopped")]
    private partial void LogStopped(string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Kind} of {Worker} for {RequestId} was rejected: {Reason}")]
    private partial void LogReplyRejected(string kind, string worker, RequestId requestId, RejectionReason reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The {Kind} of {Worker} for {RequestId} was refused: {Reason}")]
    private partial void LogRoutineRejection(string kind, string worker, RequestId requestId, RejectionReason reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Acknowledgement ({Status}) of {Worker} for {RequestId} matches no decision here; ignored")]
    private partial void LogAckIgnored(RequestId requestId, string worker, DecisionAckStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not acknowledge the decision on {RequestId} for {Worker}")]
    private partial void LogAckFailed(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying {Decision} to {RequestId} failed on this node")]
    private partial void LogDecisionFailed(Exception exception, RequestId requestId, Decision decision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send the verdict reply on {RequestId} to {Worker}; it waits until the deadline")]
    private partial void LogVerdictReplyFailed(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unexpected {Kind} for {RequestId} at this node; ignored")]
    private partial void LogUnexpected(string kind, RequestId requestId);
}
