using System.Text.Json;
using TrustChain.Serialization;

namespace TrustChain.Workers;

/// <summary>
/// A worker with a typed payload and result, read and written with <see cref="TrustChainJson.Options"/>: name and
/// topics in <see cref="TrustChainWorkerAttribute"/>, interest and handler here.
/// </summary>
/// <example>
/// <code>
/// [TrustChainWorker("fraud", "order.placed")]
/// public sealed class FraudWorker : Worker&lt;OrderPlaced, Assessment&gt;
/// {
///     public override ValueTask&lt;bool&gt; IsInterestedAsync(OrderPlaced order, IWorkerContext context) =&gt; new(order.Amount &gt;= 1000);
///     public override Task&lt;Assessment&gt; HandleAsync(OrderPlaced order, IWorkerContext context) =&gt; ...;
/// }
/// </code>
/// </example>
public abstract class Worker<TPayload, TResult> : WorkerGrain
{
    public abstract ValueTask<bool> IsInterestedAsync(TPayload payload, IWorkerContext context);

    public abstract Task<TResult> HandleAsync(TPayload payload, IWorkerContext context);

    protected sealed override async ValueTask<bool> IsInterestedInTaskAsync(JsonElement payload, IWorkerContext context) =>
        await IsInterestedAsync(Read(payload), context).ConfigureAwait(true);

    protected sealed override async Task<JsonElement?> HandleTaskAsync(JsonElement payload, IWorkerContext context)
    {
        var result = await HandleAsync(Read(payload), context).ConfigureAwait(true);
        return result is null ? null : TrustChainJson.ToElement(result);
    }

    /// <summary>A payload this worker cannot read is never a quiet decline: the verdict says what does not fit.</summary>
    private static TPayload Read(JsonElement payload)
    {
        TPayload? typed;
        try
        {
            typed = TrustChainJson.FromElement<TPayload>(payload);
        }
        catch (JsonException ex)
        {
            throw UnreadablePayloadException.For(typeof(TPayload).Name, ex.Path, ex);
        }

        return typed ?? throw UnreadablePayloadException.For(typeof(TPayload).Name, "$", innerException: null);
    }
}
