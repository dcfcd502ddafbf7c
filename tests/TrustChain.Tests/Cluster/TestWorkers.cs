using System.Text.Json;
using TrustChain.Serialization;

namespace TrustChain.Tests.Cluster;

/// <summary>How long a test waits for anything before it fails instead of hanging CI. Never a timing assertion.</summary>
public static class Safety
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static Task<T> Guarded<T>(this Task<T> task) => task.WaitAsync(Timeout);

    public static Task Guarded(this Task task) => task.WaitAsync(Timeout);

    /// <summary>A one-shot signal whose waiters never run inline on the thread that raises it.</summary>
    public static TaskCompletionSource<T> Signal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc cref="Signal{T}"/>
    public static TaskCompletionSource Signal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// A raw-JSON worker that reports what happens to it and does only what the test lets it. Every probe also
/// subscribes to its own <see cref="BarrierTopic"/>, which it always declines: with one instance taking one task at a
/// time (<c>WorkerConcurrency = 1</c>), the outcome of a barrier request proves that the task before it has been
/// handled to the end and that what its handling sent the owner before the barrier verdict has been processed.
/// </summary>
public sealed class ProbeWorker : IWorker
{
    private int _handleCalls;

    public ProbeWorker(string name, params string[] topics)
    {
        Name = name;
        BarrierTopic = BarrierTopicOf(name);
        Topics = [.. topics, BarrierTopic];
    }

    public string Name { get; }

    public IReadOnlyCollection<string> Topics { get; }

    /// <summary>The topic only this worker subscribes to; it declines every task on it.</summary>
    public string BarrierTopic { get; }

    /// <summary>Tells instances of one worker apart (e.g. the silo hosting it); it goes into the result.</summary>
    public string Instance { get; init; } = "only";

    /// <summary>The verdict it gives when <see cref="InterestGate"/> is not set.</summary>
    public bool Interested { get; init; } = true;

    /// <summary>When set, the verdict waits for this gate and is what it is released with.</summary>
    public TaskCompletionSource<bool>? InterestGate { get; init; }

    /// <summary>When true, the work waits for <see cref="Release"/> (or for its cancellation token).</summary>
    public bool Blocks { get; init; }

    /// <summary>When set, the work fails with an <see cref="InvalidOperationException"/> carrying this message.</summary>
    public string? FailWith { get; init; }

    /// <summary>Lets blocked work finish.</summary>
    public TaskCompletionSource Release { get; } = Safety.Signal();

    /// <summary>Raised when a (non-barrier) task reaches <see cref="IsInterestedAsync"/>.</summary>
    public TaskCompletionSource<IWorkerContext> InterestAsked { get; } = Safety.Signal<IWorkerContext>();

    /// <summary>Raised when the work starts: the runtime calls HandleAsync only once the grain accepted the verdict.</summary>
    public TaskCompletionSource<IWorkerContext> Started { get; } = Safety.Signal<IWorkerContext>();

    /// <summary>Raised when the work's cancellation token stops blocked work.</summary>
    public TaskCompletionSource Cancelled { get; } = Safety.Signal();

    public int HandleCalls => Volatile.Read(ref _handleCalls);

    public static string BarrierTopicOf(string worker) => $"barrier.{worker}";

    public async ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Topic == BarrierTopic)
        {
            return false;
        }

        InterestAsked.TrySetResult(context);
        return InterestGate is null ? Interested : await InterestGate.Task.ConfigureAwait(false);
    }

    public async Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Interlocked.Increment(ref _handleCalls);
        Started.TrySetResult(context);
        if (Blocks)
        {
            try
            {
                await Release.Task.WaitAsync(context.CancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                // Raised here rather than from a token registration: the registration would be disposed by this
                // very unwinding, inline in Cancel(), before its turn came.
                Cancelled.TrySetResult();
                throw;
            }
        }

        if (FailWith is { } message)
        {
            throw new InvalidOperationException(message);
        }

        return TrustChainJson.ToElement(new ProbeResult(Name, Instance));
    }

    /// <summary>Lets every blocked step go, so that a failed test still shuts its cluster down.</summary>
    public void Abandon()
    {
        InterestGate?.TrySetResult(false);
        Release.TrySetResult();
    }
}

public sealed record ProbeResult(string Worker, string Instance);

/// <summary>
/// A worker that handles its task by dispatching a nested one on <c>next</c>, so that levels of nesting can be
/// built from the outside, and reports the context it ran with and the child outcome it got back.
/// </summary>
public sealed class RelayWorker(string name, string topic, string next, TimeSpan? childTimeout = null) : IWorker
{
    public string Name => name;

    public IReadOnlyCollection<string> Topics { get; } = [topic];

    public TaskCompletionSource<IWorkerContext> Started { get; } = Safety.Signal<IWorkerContext>();

    /// <summary>The outcome of the nested request, as the dispatching worker got it.</summary>
    public TaskCompletionSource<RequestOutcome> ChildOutcome { get; } = Safety.Signal<RequestOutcome>();

    public ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(true);

    public async Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Started.TrySetResult(context);
        var options = childTimeout is { } timeout ? new DispatchOptions { Timeout = timeout } : null;
        var child = await context.DispatchAsync(next, payload, options).ConfigureAwait(false);
        ChildOutcome.TrySetResult(child);
        context.CancellationToken.ThrowIfCancellationRequested();
        return TrustChainJson.ToElement(new { relayed = next, child = child.Status });
    }
}
