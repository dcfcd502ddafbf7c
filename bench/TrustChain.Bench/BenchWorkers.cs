using System.Text.Json;
using TrustChain.Hosting;

namespace TrustChain.Bench;

/// <summary>Adds the bench's workers to a node: what the embedded scenarios host in-process and a bench silo hosts.</summary>
internal static class BenchWorkers
{
    private static readonly JsonElement Done = JsonSerializer.SerializeToElement(new { ok = true });

    public static ITrustChainBuilder AddBenchWorkers(this ITrustChainBuilder builder)
    {
        foreach (var name in BenchTopics.Interested)
        {
            builder.AddWorker(new NoOpWorker(name, [BenchTopics.Order]));
        }

        foreach (var name in BenchTopics.Decliners)
        {
            builder.AddWorker(new DecliningWorker(name, [BenchTopics.Order, BenchTopics.Nobody]));
        }

        for (var level = 1; level <= BenchTopics.MaxDepth; level++)
        {
            builder.AddWorker(new NestingWorker(level));
        }

        return builder;
    }

    /// <summary>Interested in everything, answers at once.</summary>
    internal sealed class NoOpWorker(string name, IReadOnlyCollection<string> topics) : IWorker
    {
        public string Name => name;

        public IReadOnlyCollection<string> Topics => topics;

        public ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(true);

        public Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context) => Task.FromResult<JsonElement?>(Done);
    }

    /// <summary>Declines everything.</summary>
    internal sealed class DecliningWorker(string name, IReadOnlyCollection<string> topics) : IWorker
    {
        public string Name => name;

        public IReadOnlyCollection<string> Topics => topics;

        public ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(false);

        public Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context) =>
            throw new InvalidOperationException($"{name} declined; it is never asked to work.");
    }

    /// <summary>Level L of a chain: dispatches level L+1 while the payload's depth asks for more, then answers.</summary>
    internal sealed class NestingWorker(int level) : IWorker
    {
        public string Name { get; } = BenchTopics.NestedWorker(level);

        public IReadOnlyCollection<string> Topics { get; } = [BenchTopics.Nested(level)];

        public ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(true);

        public async Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context)
        {
            var depth = payload.GetProperty("depth").GetInt32();
            if (level < depth)
            {
                var child = await context.DispatchAsync(BenchTopics.Nested(level + 1), payload);
                if (child.Status != RequestStatus.Completed)
                {
                    throw new InvalidOperationException($"level {level + 1} ended {child.Status}");
                }
            }

            return Done;
        }
    }
}
