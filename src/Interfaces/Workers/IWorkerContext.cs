using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace TrustChain;

/// <summary>What a worker knows about the task in hand, and how it dispatches nested tasks.</summary>
public interface IWorkerContext
{
    RequestId RequestId { get; }

    string Topic { get; }

    /// <summary>The name of the worker handling the task.</summary>
    string Worker { get; }

    /// <summary>The request that dispatched this one, when it is nested.</summary>
    RequestId? ParentRequestId { get; }

    DateTimeOffset Deadline { get; }

    /// <summary>Cancelled when the request is cancelled or times out, or the silo stops.</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>A logger with the request id in scope.</summary>
    ILogger Logger { get; }

    TimeProvider TimeProvider { get; }

    /// <summary>
    /// Dispatches a nested task. The child inherits the remaining deadline, cancellation and trace; its outcome is
    /// joined under this worker's result.
    /// </summary>
    Task<RequestOutcome> DispatchAsync(string topic, JsonElement payload, DispatchOptions? options = null);

    /// <inheritdoc cref="DispatchAsync(string, JsonElement, DispatchOptions?)"/>
    Task<RequestOutcome> DispatchAsync<TPayload>(string topic, TPayload payload, DispatchOptions? options = null);

    /// <summary>
    /// Records a side effect this worker made tentatively for this request, as data kept in the worker grain's
    /// persisted state: the worker's <c>CommitAsync</c> runs once for it when the dispatcher commits the whole journey,
    /// its <c>AbortAsync</c> once when it aborts, when the grain refuses this worker, or when no decision comes within
    /// <c>TrustChainOptions.TentativeTtl</c>. Because it is data, it survives the activation that recorded it.
    /// </summary>
    void Tentative(TentativeEffect effect);
}
