using System.Text.Json;
using TrustChain.Serialization;

namespace TrustChain;

/// <summary>A worker with typed payload and result, read and written with <see cref="TrustChainJson.Options"/>.</summary>
public abstract class Worker<TPayload, TResult> : IWorker
{
    public abstract string Name { get; }

    public abstract IReadOnlyCollection<string> Topics { get; }

    public abstract ValueTask<bool> IsInterestedAsync(TPayload payload, IWorkerContext context);

    public abstract Task<TResult> HandleAsync(TPayload payload, IWorkerContext context);

    async ValueTask<bool> IWorker.IsInterestedAsync(JsonElement payload, IWorkerContext context)
    {
        // A payload this worker cannot read is never a quiet decline: the verdict says what does not fit, and the
        // request cannot end as if this worker had consented.
        var typed = Read(payload);
        return await IsInterestedAsync(typed, context).ConfigureAwait(false);
    }

    async Task<JsonElement?> IWorker.HandleAsync(JsonElement payload, IWorkerContext context)
    {
        var typed = Read(payload);
        var result = await HandleAsync(typed, context).ConfigureAwait(false);
        return result is null ? null : TrustChainJson.ToElement(result);
    }

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
        catch (Exception ex) when (ex is FormatException or OverflowException or InvalidOperationException or NotSupportedException)
        {
            throw UnreadablePayloadException.For(typeof(TPayload).Name, null, ex);
        }

        return typed ?? throw UnreadablePayloadException.For(typeof(TPayload).Name, "$", innerException: null);
    }
}
