using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TrustChain.Serialization;

namespace TrustChain.Runtime;

/// <summary>
/// A worker's view of its task; nested dispatches made through it are joined under its result, and the tentative
/// effects recorded through it wait for the decision.
/// </summary>
internal sealed class WorkerContext(InFlightTask inFlight, RequestDispatcher dispatcher, ILogger logger, TimeProvider time) : IWorkerContext
{
    // Made on first use: most workers dispatch nothing and record no effect, and an empty queue is not small.
    private ConcurrentQueue<RequestOutcome>? _children;
    private ConcurrentQueue<RequestId>? _dispatched;
    private ConcurrentQueue<TentativeEffect>? _effects;

    public RequestId RequestId => inFlight.Task.RequestId;

    public string Topic => inFlight.Task.Topic;

    public string Worker => inFlight.Worker;

    public RequestId? ParentRequestId => inFlight.Task.ParentRequestId;

    public DateTimeOffset Deadline => inFlight.Task.Deadline;

    public CancellationToken CancellationToken => inFlight.Token;

    public ILogger Logger => logger;

    public TimeProvider TimeProvider => time;

    /// <summary>The outcomes of nested requests that have ended, in the order they ended.</summary>
    public IReadOnlyList<RequestOutcome> Children => Volatile.Read(ref _children)?.ToArray() ?? [];

    /// <summary>Every nested request dispatched through this context, ended or not: they take this request's decision.</summary>
    public IReadOnlyList<RequestId> Dispatched => Volatile.Read(ref _dispatched)?.ToArray() ?? [];

    /// <summary>Whether the runtime handed this part of the request to <see cref="TentativeEffects"/> to wait for the decision.</summary>
    public bool Held { get; set; }

    /// <summary>The tentative effects recorded so far, in order.</summary>
    public IReadOnlyList<TentativeEffect> Effects => Volatile.Read(ref _effects)?.ToArray() ?? [];

    public async Task<RequestOutcome> DispatchAsync(string topic, JsonElement payload, DispatchOptions? options = null)
    {
        var handle = await dispatcher.StartAsync(topic, payload, options, inFlight.Task, inFlight.Token, inFlight.Worker).ConfigureAwait(false);
        LazyInitializer.EnsureInitialized(ref _dispatched).Enqueue(handle.RequestId);
        var outcome = await handle.Outcome.ConfigureAwait(false);
        LazyInitializer.EnsureInitialized(ref _children).Enqueue(outcome);
        return outcome;
    }

    public Task<RequestOutcome> DispatchAsync<TPayload>(string topic, TPayload payload, DispatchOptions? options = null) =>
        DispatchAsync(topic, TrustChainJson.ToElement(payload), options);

    public void Tentative(Func<ValueTask>? onCommit, Func<ValueTask> onAbort, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(onAbort);
        LazyInitializer.EnsureInitialized(ref _effects).Enqueue(new TentativeEffect(onCommit, onAbort, description));
    }
}
