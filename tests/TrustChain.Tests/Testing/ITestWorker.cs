using System.Text.Json;

namespace TrustChain.Tests.Testing;

/// <summary>
/// What a test says a worker does, per silo: a <see cref="ScriptedWorkerGrain"/> of the same name plays it. The
/// grain class fixes the name and topics (Orleans needs them at compile time); the script, given to
/// <see cref="TrustChainTestCluster.StartSiloAsync(ITestWorker[])"/>, fixes the behaviour on that silo, so two silos
/// can host two differently behaving instances of one worker.
/// </summary>
public interface ITestWorker
{
    string Name { get; }

    IReadOnlyCollection<string> Topics { get; }

    ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context);

    Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context);

    Task CommitAsync(RequestId request, TentativeEffect effect) => Task.CompletedTask;

    Task AbortAsync(RequestId request, TentativeEffect effect) => Task.CompletedTask;
}
