using System.Text.Json;
using TrustChain.Serialization;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Cluster;

/// <summary>
/// A worker script that records one tentative effect per task (as data, through <see cref="IWorkerContext.Tentative"/>)
/// and reports what the decision did to it: its grain calls <see cref="CommitAsync"/> or <see cref="AbortAsync"/> on the
/// silo where the grain then lives. It may first dispatch a nested task on <see cref="Next"/> (to build levels of
/// nesting), block until released, or fail after recording its effect.
/// </summary>
public sealed class TentativeWorker(string name, string topic) : ITestWorker
{
    /// <summary>The kind of the effect every task records.</summary>
    public const string EffectKind = "hold";

    private int _commits;
    private int _aborts;

    public string Name => name;

    public IReadOnlyCollection<string> Topics { get; } = [topic];

    /// <summary>A topic to dispatch a nested task on before recording the effect.</summary>
    public string? Next { get; init; }

    public bool Blocks { get; init; }

    public string? FailWith { get; init; }

    public TaskCompletionSource Release { get; } = Safety.Signal();

    /// <summary>Raised once the effect is recorded (before blocking or failing).</summary>
    public TaskCompletionSource<IWorkerContext> Recorded { get; } = Safety.Signal<IWorkerContext>();

    /// <summary>Raised with the effect when it is made real.</summary>
    public TaskCompletionSource<TentativeEffect> Committed { get; } = Safety.Signal<TentativeEffect>();

    /// <summary>Raised with the effect when it is undone.</summary>
    public TaskCompletionSource<TentativeEffect> Aborted { get; } = Safety.Signal<TentativeEffect>();

    public TaskCompletionSource<RequestOutcome> ChildOutcome { get; } = Safety.Signal<RequestOutcome>();

    public int Commits => Volatile.Read(ref _commits);

    public int Aborts => Volatile.Read(ref _aborts);

    public ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(true);

    public async Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Next is { } next)
        {
            ChildOutcome.TrySetResult(await context.DispatchAsync(next, payload));
        }

        context.Tentative(new TentativeEffect(EffectKind, TrustChainJson.ToElement(new { worker = Name, request = context.RequestId.Value }), $"held by {Name}"));
        Recorded.TrySetResult(context);

        if (Blocks)
        {
            await Release.Task.WaitAsync(context.CancellationToken);
        }

        if (FailWith is { } message)
        {
            throw new InvalidOperationException(message);
        }

        return TrustChainJson.ToElement(new { worker = Name });
    }

    /// <summary>When set, a commit (told as it starts) finishes, and is acknowledged, only once this is released.</summary>
    public TaskCompletionSource? CommitGate { get; init; }

    public async Task CommitAsync(RequestId request, TentativeEffect effect)
    {
        Interlocked.Increment(ref _commits);
        Committed.TrySetResult(effect);
        if (CommitGate is { } gate)
        {
            await gate.Task;
        }
    }

    public Task AbortAsync(RequestId request, TentativeEffect effect)
    {
        Interlocked.Increment(ref _aborts);
        Aborted.TrySetResult(effect);
        return Task.CompletedTask;
    }

    public void Abandon()
    {
        Release.TrySetResult();
        CommitGate?.TrySetResult();
    }
}
