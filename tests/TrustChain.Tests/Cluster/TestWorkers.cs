using System.Text.Json;
using TrustChain.Serialization;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Cluster;

/// <summary>
/// A raw-JSON worker script that reports what happens to it and does only what the test lets it. A silo given it
/// hosts the worker grain of its name (ClusterWorkerGrains.cs), which plays it there; two silos given two
/// probes of one name host two differently behaving instances of that worker.
/// </summary>
/// <remarks>
/// Awaits here stay on the worker grain's scheduler (no <c>ConfigureAwait(false)</c>), as a grain's own code would:
/// what the script does after a cancellation then runs in the grain's turn order.
/// </remarks>
public sealed class ProbeWorker : ITestWorker
{
    private int _handleCalls;

    public ProbeWorker(string name, params string[] topics)
    {
        Name = name;
        Topics = topics;
    }

    public string Name { get; }

    public IReadOnlyCollection<string> Topics { get; }

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

    /// <summary>Raised when a task reaches <see cref="IsInterestedAsync"/>.</summary>
    public TaskCompletionSource<IWorkerContext> InterestAsked { get; } = Safety.Signal<IWorkerContext>();

    /// <summary>Raised when the work starts: the worker grain calls HandleAsync only once the request accepted the verdict.</summary>
    public TaskCompletionSource<IWorkerContext> Started { get; } = Safety.Signal<IWorkerContext>();

    /// <summary>Raised when the work's cancellation token stops blocked work.</summary>
    public TaskCompletionSource Cancelled { get; } = Safety.Signal();

    public int HandleCalls => Volatile.Read(ref _handleCalls);

    public async ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        InterestAsked.TrySetResult(context);
        return InterestGate is null ? Interested : await InterestGate.Task;
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
                await Release.Task.WaitAsync(context.CancellationToken);
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
/// A worker script that handles its task by dispatching a nested one on <c>next</c>, so that levels of nesting can be
/// built from the outside, and reports the context it ran with and the child outcome it got back.
/// </summary>
public sealed class RelayWorker(string name, string topic, string next, TimeSpan? childTimeout = null) : ITestWorker
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
        var child = await context.DispatchAsync(next, payload, options);
        ChildOutcome.TrySetResult(child);
        context.CancellationToken.ThrowIfCancellationRequested();
        return TrustChainJson.ToElement(new { relayed = next, child = child.Status });
    }
}
