using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrustChain.Messages;

namespace TrustChain.Runtime;

/// <summary>
/// Answers for any request from any node: its state, its journal (with a long poll for what comes next), and its
/// cancellation. The request id names the owner; a request owned here is read from the <see cref="RequestRegistry"/>,
/// one owned elsewhere is asked of its owner with a <see cref="RequestQuery"/> over the engine, which answers with a
/// <see cref="RequestQueryReply"/> correlated by its query id.
/// </summary>
public sealed partial class RequestDirectory
{
    private readonly ITransport _transport;
    private readonly RequestRegistry _registry;
    private readonly TrustChainOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<RequestQueryReply>> _pending = new();

    public RequestDirectory(ITransport transport, RequestRegistry registry, IOptions<TrustChainOptions> options, TimeProvider time, ILogger<RequestDirectory> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _options = options.Value;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>This node's id: requests whose id names it are answered here.</summary>
    public string NodeId => _transport.NodeId;

    /// <summary>The longest a long poll waits for a new event (<see cref="TrustChainOptions.WatchPollWait"/>).</summary>
    public TimeSpan WatchPollWait => _options.WatchPollWait;

    /// <summary>The state so far (or the outcome) and the whole journal.</summary>
    /// <exception cref="RequestQueryTimeoutException">The owner is another node and did not answer in time.</exception>
    public Task<RequestQueryReply> GetAsync(RequestId id, CancellationToken cancellationToken = default) =>
        AskAsync(id, RequestQueryKind.State, 0, null, cancellationToken);

    /// <summary>
    /// The events after <paramref name="after"/>; when there are none yet and the request still runs, waits up to
    /// <paramref name="wait"/> (at most <see cref="TrustChainOptions.WatchPollWait"/>) for the next ones.
    /// </summary>
    /// <exception cref="RequestQueryTimeoutException">The owner is another node and did not answer in time.</exception>
    public Task<RequestQueryReply> EventsAfterAsync(RequestId id, long after, TimeSpan wait, CancellationToken cancellationToken = default) =>
        AskAsync(id, RequestQueryKind.Events, after, wait, cancellationToken);

    /// <summary>Cancels the request if it still runs (its workers and nested requests are told).</summary>
    /// <exception cref="RequestQueryTimeoutException">The owner is another node and did not answer in time.</exception>
    public Task<RequestQueryReply> CancelAsync(RequestId id, CancellationToken cancellationToken = default) =>
        AskAsync(id, RequestQueryKind.Cancel, 0, null, cancellationToken);

    /// <summary>The requests owned by this node, running and retained, newest first: their state so far or outcome.</summary>
    public IReadOnlyList<RequestOutcome> Recent(int limit) => _registry.Recent(limit).Select(a => a.Snapshot()).ToList();

    /// <summary>Answers a query that another node forwarded here. Not awaited by the receive loop: a long poll waits.</summary>
    public async Task AnswerAsync(RequestQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        try
        {
            var reply = await AnswerHereAsync(query, CancellationToken.None).ConfigureAwait(false);
            await _transport.SendAsync(query.ReplyTo, reply, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The asker times out and says so; this node keeps serving.
            LogAnswerFailed(ex, query.Query, query.RequestId, query.ReplyTo);
        }
    }

    /// <summary>A reply to a query this node forwarded.</summary>
    public void OnReply(RequestQueryReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (!_pending.TryRemove(reply.QueryId, out var waiting) || !waiting.TrySetResult(reply))
        {
            LogLateReply(reply.RequestId, reply.QueryId);
        }
    }

    private async Task<RequestQueryReply> AskAsync(RequestId id, RequestQueryKind kind, long after, TimeSpan? wait, CancellationToken cancellationToken)
    {
        var query = new RequestQuery(id, Guid.NewGuid(), _transport.NodeId, kind, Math.Max(0, after), wait is { } w ? Cap(w) : null);
        if (id.Owner == _transport.NodeId)
        {
            return await AnswerHereAsync(query, cancellationToken).ConfigureAwait(false);
        }

        var waiting = new TaskCompletionSource<RequestQueryReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[query.QueryId] = waiting;
        try
        {
            var delivered = _transport is ITransportDelivery delivery
                ? await delivery.TrySendAsync(id.Owner, query, cancellationToken).ConfigureAwait(false)
                : await SendAssumingDeliveredAsync(id.Owner, query, cancellationToken).ConfigureAwait(false);
            if (!delivered)
            {
                // No node by that name: nobody can own the request.
                return new RequestQueryReply(id, query.QueryId, RequestQueryAnswer.NotFound);
            }

            // A long poll may take its whole wait before the owner answers.
            var limit = _options.QueryTimeout + (query.Wait ?? TimeSpan.Zero);
            try
            {
                return await waiting.Task.WaitAsync(limit, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new RequestQueryTimeoutException(id, limit);
            }
        }
        finally
        {
            _pending.TryRemove(query.QueryId, out _);
        }
    }

    private async ValueTask<bool> SendAssumingDeliveredAsync(string nodeId, TrustChainMessage message, CancellationToken cancellationToken)
    {
        await _transport.SendAsync(nodeId, message, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<RequestQueryReply> AnswerHereAsync(RequestQuery query, CancellationToken cancellationToken)
    {
        if (!_registry.TryGet(query.RequestId, out var activation))
        {
            return new RequestQueryReply(query.RequestId, query.QueryId, RequestQueryAnswer.NotFound);
        }

        switch (query.Query)
        {
            case RequestQueryKind.State:
                var (journal, ended) = activation.EventsAfter(0);
                return new RequestQueryReply(query.RequestId, query.QueryId, RequestQueryAnswer.Found, activation.Snapshot(), journal, ended);

            case RequestQueryKind.Cancel:
                var cancelled = activation.Cancel();
                return new RequestQueryReply(query.RequestId, query.QueryId, cancelled ? RequestQueryAnswer.Cancelled : RequestQueryAnswer.AlreadyEnded, Ended: true);

            default:
                var (events, over) = await NextEventsAsync(activation, query.After, Cap(query.Wait ?? TimeSpan.Zero), _time, cancellationToken).ConfigureAwait(false);
                return new RequestQueryReply(query.RequestId, query.QueryId, RequestQueryAnswer.Found, Events: events, Ended: over);
        }
    }

    private static async Task<(IReadOnlyList<RequestEvent> Events, bool Ended)> NextEventsAsync(RequestActivation activation, long after, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = activation.EventsAfter(after);
        if (now.Events.Count > 0 || now.Ended || wait <= TimeSpan.Zero)
        {
            return now;
        }

        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var timer = time.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), waiting, wait, Timeout.InfiniteTimeSpan);
        var watch = activation.WatchAsync(after, waiting.Token).GetAsyncEnumerator(waiting.Token);
        try
        {
            // The first new event is the signal; the answer is everything recorded by then.
            await watch.MoveNextAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The wait is over with nothing new: an empty answer, and the asker asks again.
        }
        finally
        {
            await watch.DisposeAsync().ConfigureAwait(false);
        }

        return activation.EventsAfter(after);
    }

    private TimeSpan Cap(TimeSpan wait) => wait < TimeSpan.Zero ? TimeSpan.Zero : wait > _options.WatchPollWait ? _options.WatchPollWait : wait;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not answer the {Query} query on {RequestId} from node {Asker}")]
    private partial void LogAnswerFailed(Exception exception, RequestQueryKind query, RequestId requestId, string asker);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reply to query {QueryId} on {RequestId} came after its asker stopped waiting; ignored")]
    private partial void LogLateReply(RequestId requestId, Guid queryId);
}
