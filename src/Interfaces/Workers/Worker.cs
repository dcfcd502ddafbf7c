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
        TPayload typed;
        try
        {
            typed = TrustChainJson.FromElement<TPayload>(payload)!;
        }
        catch (JsonException)
        {
            // A payload this worker cannot read is not a task for it: declining keeps the request moving.
            return false;
        }

        return typed is not null && await IsInterestedAsync(typed, context).ConfigureAwait(false);
    }

    async Task<JsonElement?> IWorker.HandleAsync(JsonElement payload, IWorkerContext context)
    {
        var typed = TrustChainJson.FromElement<TPayload>(payload)!;
        var result = await HandleAsync(typed, context).ConfigureAwait(false);
        return result is null ? null : TrustChainJson.ToElement(result);
    }
}
