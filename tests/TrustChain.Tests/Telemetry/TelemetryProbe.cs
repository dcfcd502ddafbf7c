using System.Text.Json;
using TrustChain.Serialization;
using TrustChain.Tests.Cluster;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Telemetry;

/// <summary>
/// A scripted worker for the telemetry tests that reports what happens to it and does only what the test lets it.
/// Its grain class, of the same name, is in <c>TelemetryWorkerGrains.cs</c>.
/// </summary>
public sealed class TelemetryProbe(string name, params string[] topics) : ITestWorker
{
    public string Name => name;

    public IReadOnlyCollection<string> Topics { get; } = topics;

    /// <summary>The verdict it gives when <see cref="InterestGate"/> is not set.</summary>
    public bool Interested { get; init; } = true;

    /// <summary>When set, the verdict waits for this gate and is what it is released with.</summary>
    public TaskCompletionSource<bool>? InterestGate { get; init; }

    /// <summary>When true, the work waits for <see cref="Release"/> (or for its cancellation token).</summary>
    public bool Blocks { get; init; }

    /// <summary>Lets blocked work finish.</summary>
    public TaskCompletionSource Release { get; } = Safety.Signal();

    /// <summary>Raised when a task reaches <see cref="IsInterestedAsync"/>.</summary>
    public TaskCompletionSource<IWorkerContext> InterestAsked { get; } = Safety.Signal<IWorkerContext>();

    /// <summary>Raised when the work starts: only once the request's grain accepted the verdict.</summary>
    public TaskCompletionSource<IWorkerContext> Started { get; } = Safety.Signal<IWorkerContext>();

    public async ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        InterestAsked.TrySetResult(context);
        return InterestGate is null ? Interested : await InterestGate.Task.ConfigureAwait(false);
    }

    public async Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Started.TrySetResult(context);
        if (Blocks)
        {
            await Release.Task.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        }

        return TrustChainJson.ToElement(new { worker = name });
    }

    /// <summary>Lets every blocked step go (a gated verdict declines), so that a failed test still shuts its cluster down.</summary>
    public void Abandon()
    {
        InterestGate?.TrySetResult(false);
        Release.TrySetResult();
    }
}
