using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TrustChain.Messages;
using TrustChain.Serialization;

namespace TrustChain.Workers;

/// <summary>
/// A worker's view of its task; nested dispatches made through it are joined under its result and take its
/// request's decision, and the tentative effects recorded through it wait for that decision in the grain's state.
/// </summary>
internal sealed class WorkerContext(WorkerGrain grain, TaskMessage task, WorkerServices services, CancellationToken stopping) : IWorkerContext
{
    // Made on first use: most workers dispatch nothing and record no effect.
    private ConcurrentQueue<RequestOutcome>? _children;
    private ConcurrentQueue<RequestId>? _dispatched;
    private ConcurrentQueue<TentativeEffect>? _effects;

    public RequestId RequestId => task.RequestId;

    public string Topic => task.Topic;

    public string Worker => grain.Name;

    public RequestId? ParentRequestId => task.ParentRequestId;

    public DateTimeOffset Deadline => task.Deadline;

    public CancellationToken CancellationToken => stopping;

    public ILogger Logger { get; } = services.LoggerFor(grain.Name);

    public TimeProvider TimeProvider => services.Time;

    /// <summary>The outcomes of nested requests that have ended, in the order they ended.</summary>
    public IReadOnlyList<RequestOutcome> Children => Volatile.Read(ref _children)?.ToArray() ?? [];

    /// <summary>Every nested request dispatched through this context, ended or not: they take this request's decision.</summary>
    public IReadOnlyList<RequestId> Dispatched => Volatile.Read(ref _dispatched)?.ToArray() ?? [];

    /// <summary>The tentative effects recorded so far, in order.</summary>
    public IReadOnlyList<TentativeEffect> Effects => Volatile.Read(ref _effects)?.ToArray() ?? [];

    public async Task<RequestOutcome> DispatchAsync(string topic, JsonElement payload, DispatchOptions? options = null)
    {
        var handle = await services.Dispatcher.StartNestedAsync(topic, payload, options, task, grain.Name, stopping).ConfigureAwait(true);
        LazyInitializer.EnsureInitialized(ref _dispatched).Enqueue(handle.RequestId);
        var outcome = await handle.Outcome.ConfigureAwait(true);
        LazyInitializer.EnsureInitialized(ref _children).Enqueue(outcome);
        return outcome;
    }

    public Task<RequestOutcome> DispatchAsync<TPayload>(string topic, TPayload payload, DispatchOptions? options = null) =>
        DispatchAsync(topic, TrustChainJson.ToElement(payload), options);

    public void Tentative(TentativeEffect effect)
    {
        ArgumentNullException.ThrowIfNull(effect);
        LazyInitializer.EnsureInitialized(ref _effects).Enqueue(effect with { Data = TrustChainJson.Own(effect.Data) });
    }
}
