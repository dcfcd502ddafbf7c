using System.Text.Json;

namespace TrustChain.Bench;

/// <summary>
/// Interested, then holds its task until the gate opens: the many-in-flight scenario counts handlers that entered,
/// measures memory with all of them waiting, then lets them finish.
/// </summary>
internal sealed class WaitingWorker(WaitingGate gate) : IWorker
{
    private static readonly JsonElement Done = JsonSerializer.SerializeToElement(new { ok = true });

    public string Name => "bench-waiter";

    public IReadOnlyCollection<string> Topics { get; } = [BenchTopics.Wait];

    public ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(true);

    public async Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context)
    {
        await gate.EnterAsync();
        return Done;
    }
}
