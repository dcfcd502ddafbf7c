using System.Text.Json;
using TrustChain.Serialization;
using TrustChain.Tests.Cluster;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Api;

/// <summary>
/// The worker <c>probe</c> on <c>probe.run</c> (grain class <see cref="ProbeGrain"/>), as an API host's silo plays it:
/// always interested, its work blocks until the test releases it or the request is cancelled, and it says when
/// either happens.
/// </summary>
public sealed class BlockingProbe : ITestWorker
{
    public const string Topic = "probe.run";

    public string Name => "probe";

    public IReadOnlyCollection<string> Topics => [Topic];

    /// <summary>Raised when the work starts: only once the request's grain accepted the verdict.</summary>
    public TaskCompletionSource<IWorkerContext> Started { get; } = Safety.Signal<IWorkerContext>();

    /// <summary>Lets the blocked work finish.</summary>
    public TaskCompletionSource Release { get; } = Safety.Signal();

    /// <summary>Raised when the request's end (a cancellation) stopped the blocked work.</summary>
    public TaskCompletionSource Cancelled { get; } = Safety.Signal();

    public ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(true);

    public async Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Started.TrySetResult(context);
        try
        {
            await Release.Task.WaitAsync(context.CancellationToken).ConfigureAwait(true);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            Cancelled.TrySetResult();
            throw;
        }

        return TrustChainJson.ToElement(new { worker = Name });
    }

    /// <summary>Lets the blocked work go, so that a failed test still shuts its host down.</summary>
    public void Abandon() => Release.TrySetResult();
}
