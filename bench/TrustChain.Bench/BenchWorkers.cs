using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace TrustChain.Bench;

/// <summary>
/// The bench's workers, as worker grain classes: every bench silo hosts all of them (and no other worker its
/// process happens to reference: <see cref="Names"/> goes to <c>TrustChain:Workers</c>).
/// </summary>
internal static class BenchWorkers
{
    public static readonly JsonElement Done = JsonSerializer.SerializeToElement(new { ok = true });

    /// <summary>Every bench worker's name.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        .. BenchTopics.Interested,
        .. BenchTopics.Decliners,
        .. Enumerable.Range(1, BenchTopics.MaxDepth).Select(BenchTopics.NestedWorker),
        BenchTopics.Waiter,
    ];
}

/// <summary>Interested in everything, answers at once.</summary>
public abstract class NoOpWorkerGrain : WorkerGrain
{
    protected sealed override ValueTask<bool> IsInterestedInTaskAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(true);

    protected sealed override Task<JsonElement?> HandleTaskAsync(JsonElement payload, IWorkerContext context) => Task.FromResult<JsonElement?>(BenchWorkers.Done);
}

/// <summary>Declines everything.</summary>
public abstract class DecliningWorkerGrain : WorkerGrain
{
    protected sealed override ValueTask<bool> IsInterestedInTaskAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(false);

    protected sealed override Task<JsonElement?> HandleTaskAsync(JsonElement payload, IWorkerContext context) =>
        throw new InvalidOperationException($"{Name} declined; it is never asked to work.");
}

/// <summary>Level L of a chain: dispatches level L+1 while the payload's depth asks for more, then answers.</summary>
public abstract class NestingWorkerGrain : WorkerGrain
{
    protected abstract int Level { get; }

    protected sealed override ValueTask<bool> IsInterestedInTaskAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(true);

    protected sealed override async Task<JsonElement?> HandleTaskAsync(JsonElement payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var depth = payload.GetProperty("depth").GetInt32();
        if (Level < depth)
        {
            var child = await context.DispatchAsync(BenchTopics.Nested(Level + 1), payload);
            if (child.Status != RequestStatus.Completed)
            {
                throw new InvalidOperationException($"level {Level + 1} ended {child.Status}");
            }
        }

        return BenchWorkers.Done;
    }
}

[TrustChainWorker("bench-inventory", BenchTopics.Order)]
public sealed class BenchInventoryWorker : NoOpWorkerGrain;

[TrustChainWorker("bench-fraud", BenchTopics.Order)]
public sealed class BenchFraudWorker : NoOpWorkerGrain;

[TrustChainWorker("bench-loyalty", BenchTopics.Order)]
public sealed class BenchLoyaltyWorker : NoOpWorkerGrain;

[TrustChainWorker("bench-shipping", BenchTopics.Order, BenchTopics.Nobody)]
public sealed class BenchShippingWorker : DecliningWorkerGrain;

[TrustChainWorker("bench-tax", BenchTopics.Order, BenchTopics.Nobody)]
public sealed class BenchTaxWorker : DecliningWorkerGrain;

[TrustChainWorker("bench-nested-1", "bench.nested.1")]
public sealed class BenchNested1Worker : NestingWorkerGrain
{
    protected override int Level => 1;
}

[TrustChainWorker("bench-nested-2", "bench.nested.2")]
public sealed class BenchNested2Worker : NestingWorkerGrain
{
    protected override int Level => 2;
}

[TrustChainWorker("bench-nested-3", "bench.nested.3")]
public sealed class BenchNested3Worker : NestingWorkerGrain
{
    protected override int Level => 3;
}

[TrustChainWorker("bench-nested-4", "bench.nested.4")]
public sealed class BenchNested4Worker : NestingWorkerGrain
{
    protected override int Level => 4;
}

[TrustChainWorker("bench-nested-5", "bench.nested.5")]
public sealed class BenchNested5Worker : NestingWorkerGrain
{
    protected override int Level => 5;
}

/// <summary>
/// Interested, then holds its task until the silo's <see cref="WaitingGate"/> opens: the many-in-flight scenario
/// counts handlers that entered, measures memory with all of them waiting, then lets them finish.
/// </summary>
[TrustChainWorker(BenchTopics.Waiter, BenchTopics.Wait)]
public sealed class BenchWaitingWorker : WorkerGrain
{
    protected override ValueTask<bool> IsInterestedInTaskAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(true);

    protected override async Task<JsonElement?> HandleTaskAsync(JsonElement payload, IWorkerContext context)
    {
        var gate = WaitingGate.Of(ServiceProvider);
        await gate.EnterAsync();
        return BenchWorkers.Done;
    }
}
