using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TrustChain.Serialization;

namespace TrustChain.Runtime;

/// <summary>A worker's view of its task; nested dispatches made through it are joined under its result.</summary>
internal sealed class WorkerContext(InFlightTask inFlight, RequestDispatcher dispatcher, ILogger logger, TimeProvider time) : IWorkerContext
{
    private readonly ConcurrentQueue<RequestOutcome> _children = new();

    public RequestId RequestId => inFlight.Task.RequestId;

    public string Topic => inFlight.Task.Topic;

    public string Worker => inFlight.Worker;

    public RequestId? ParentRequestId => inFlight.Task.ParentRequestId;

    public DateTimeOffset Deadline => inFlight.Task.Deadline;

    public CancellationToken CancellationToken => inFlight.Token;

    public ILogger Logger => logger;

    public TimeProvider TimeProvider => time;

    /// <summary>The outcomes of nested requests that have ended, in the order they ended.</summary>
    public IReadOnlyList<RequestOutcome> Children => _children.ToArray();

    public async Task<RequestOutcome> DispatchAsync(string topic, JsonElement payload, DispatchOptions? options = null)
    {
        var handle = await dispatcher.StartAsync(topic, payload, options, inFlight.Task, inFlight.Token, inFlight.Worker).ConfigureAwait(false);
        var outcome = await handle.Outcome.ConfigureAwait(false);
        _children.Enqueue(outcome);
        return outcome;
    }

    public Task<RequestOutcome> DispatchAsync<TPayload>(string topic, TPayload payload, DispatchOptions? options = null) =>
        DispatchAsync(topic, TrustChainJson.ToElement(payload), options);
}
