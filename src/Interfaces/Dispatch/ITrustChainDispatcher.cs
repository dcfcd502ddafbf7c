using System.Text.Json;

namespace TrustChain;

/// <summary>Broadcasts tasks on topics and waits for their joined outcomes.</summary>
public interface ITrustChainDispatcher
{
    /// <summary>Dispatches and waits for the outcome. Cancelling <paramref name="cancellationToken"/> cancels the request.</summary>
    Task<RequestOutcome> DispatchAsync(string topic, JsonElement payload, DispatchOptions? options = null, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DispatchAsync(string, JsonElement, DispatchOptions?, CancellationToken)"/>
    Task<RequestOutcome> DispatchAsync<TPayload>(string topic, TPayload payload, DispatchOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Dispatches and returns at once with a handle on the running request. Cancelling
    /// <paramref name="cancellationToken"/> cancels the request.
    /// </summary>
    Task<IRequestHandle> StartAsync(string topic, JsonElement payload, DispatchOptions? options = null, CancellationToken cancellationToken = default);
}
