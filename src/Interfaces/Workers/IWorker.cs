using System.Text.Json;

namespace TrustChain;

/// <summary>
/// A worker on raw JSON: the escape hatch under <see cref="Worker{TPayload,TResult}"/>. The worker's
/// <see cref="Name"/> is the unit of interest, of reply and of signature; every instance of it shares the name.
/// </summary>
public interface IWorker
{
    string Name { get; }

    IReadOnlyCollection<string> Topics { get; }

    /// <summary>Decides at once whether the task is for this worker. Keep it cheap: interest closes on a window.</summary>
    ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context);

    /// <summary>Does the work. A returned value is a success; an exception is a failure with its message.</summary>
    Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context);
}
