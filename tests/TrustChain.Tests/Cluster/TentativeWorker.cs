using System.Text.Json;
using TrustChain.Serialization;

namespace TrustChain.Tests.Cluster;

/// <summary>
/// A worker that records one tentative effect per task and reports what the decision did to it. It may first dispatch
/// a nested task on <see cref="Next"/> (to build levels of nesting), block until released, or fail after recording
/// its effect. Like <see cref="ProbeWorker"/> it declines every task on its own barrier topic.
/// </summary>
public sealed class TentativeWorker : IWorker
{
    private int _commits;
    private int _aborts;

    public TentativeWorker(string name, string topic)
    {
        Name = name;
        BarrierTopic = ProbeWorker.BarrierTopicOf(name);
        Topics = [topic, BarrierTopic];
    }

    public string Name { get; }

    public IReadOnlyCollection<string> Topics { get; }

    public string BarrierTopic { get; }

    /// <summary>A topic to dispatch a nested task on before recording the effect.</summary>
    public string? Next { get; init; }

    public bool Blocks { get; init; }

    public string? FailWith { get; init; }

    public TaskCompletionSource Release { get; } = Safety.Signal();

    /// <summary>Raised once the effect is recorded (before blocking or failing).</summary>
    public TaskCompletionSource<IWorkerContext> Recorded { get; } = Safety.Signal<IWorkerContext>();

    public TaskCompletionSource Committed { get; } = Safety.Signal();

    public TaskCompletionSource Aborted { get; } = Safety.Signal();

    public TaskCompletionSource<RequestOutcome> ChildOutcome { get; } = Safety.Signal<RequestOutcome>();

    public int Commits => Volatile.Read(ref _commits);

    public int Aborts => Volatile.Read(ref _aborts);

    public ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult(context.Topic != BarrierTopic);
    }

    public async Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Next is { } next)
        {
            ChildOutcome.TrySetResult(await context.DispatchAsync(next, payload).ConfigureAwait(false));
        }

        context.Tentative(
            onCommit: () =>
            {
                Interlocked.Increment(ref _commits);
                Committed.TrySetResult();
                return ValueTask.CompletedTask;
            },
            onAbort: () =>
            {
                Interlocked.Increment(ref _aborts);
                Aborted.TrySetResult();
                return ValueTask.CompletedTask;
            },
            description: $"held by {Name}");
        Recorded.TrySetResult(context);

        if (Blocks)
        {
            await Release.Task.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        }

        if (FailWith is { } message)
        {
            throw new InvalidOperationException(message);
        }

        return TrustChainJson.ToElement(new { worker = Name });
    }

    public void Abandon() => Release.TrySetResult();
}
