using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TrustChain.Workers;

namespace TrustChain.Tests.Testing;

/// <summary>A worker grain that does what its silo's <see cref="ITestWorker"/> of the same name says.</summary>
public abstract class ScriptedWorkerGrain : WorkerGrain
{
    private ITestWorker Script => ServiceProvider.GetRequiredService<ScriptedWorkers>().For(Name);

    protected override ValueTask<bool> IsInterestedInTaskAsync(JsonElement payload, IWorkerContext context) => Script.IsInterestedAsync(payload, context);

    protected override Task<JsonElement?> HandleTaskAsync(JsonElement payload, IWorkerContext context) => Script.HandleAsync(payload, context);

    protected override Task CommitAsync(RequestId request, TentativeEffect effect) => Script.CommitAsync(request, effect);

    protected override Task AbortAsync(RequestId request, TentativeEffect effect) => Script.AbortAsync(request, effect);
}

/// <summary>The scripts one silo plays, by worker name.</summary>
public sealed class ScriptedWorkers(IEnumerable<ITestWorker> workers)
{
    private readonly Dictionary<string, ITestWorker> _byName = workers.ToDictionary(w => w.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _byName.Keys;

    public ITestWorker For(string name) =>
        _byName.TryGetValue(name, out var worker) ? worker : throw new InvalidOperationException($"This silo has no script for worker '{name}'.");
}
