using System.Text.Json;
using TrustChain.Serialization;
using TrustChain.Tests.Cluster;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Signing;

/// <summary>
/// A worker interested in every task that answers <c>{ worker, n }</c> from the payload's <c>n</c> (and its
/// <c>echo</c>, as it came, when there is one). A payload with
/// <c>"hold": true</c> makes it wait for <see cref="Release"/> after saying it started, so that a test can slip
/// messages into the request while the worker's place is still open. Its grain class, of the same name, is in
/// <c>SigningWorkerGrains.cs</c>.
/// </summary>
public sealed class HoldingWorker(string name, params string[] topics) : ITestWorker
{
    public string Name => name;

    public IReadOnlyCollection<string> Topics { get; } = topics;

    /// <summary>Declines everything when false.</summary>
    public bool Interested { get; init; } = true;

    /// <summary>Raised with the request id the first time the worker holds.</summary>
    public TaskCompletionSource<RequestId> Holding { get; } = Safety.Signal<RequestId>();

    public TaskCompletionSource Release { get; } = Safety.Signal();

    /// <summary>When true, the worker says it is <see cref="Deciding"/> and gives its verdict only on <see cref="Decide"/>.</summary>
    public bool GateVerdict { get; init; }

    /// <summary>A topic to dispatch a nested request on (with the same payload) before answering; its outcome joins under this result.</summary>
    public string? Nested { get; init; }

    public TaskCompletionSource<RequestId> Deciding { get; } = Safety.Signal<RequestId>();

    public TaskCompletionSource Decide { get; } = Safety.Signal();

    /// <summary>Lets every held step go, so that a failed test still shuts its cluster down.</summary>
    public void Abandon()
    {
        Release.TrySetResult();
        Decide.TrySetResult();
    }

    public async ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (GateVerdict)
        {
            Deciding.TrySetResult(context.RequestId);
            await Decide.Task.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        }

        return Interested;
    }

    public async Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (payload.TryGetProperty("hold", out var hold) && hold.GetBoolean())
        {
            Holding.TrySetResult(context.RequestId);
            await Release.Task.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        }

        if (Nested is { } topic)
        {
            await context.DispatchAsync(topic, payload).ConfigureAwait(false);
        }

        var n = payload.TryGetProperty("n", out var value) ? value.GetInt32() : 0;
        return payload.TryGetProperty("echo", out var echo)
            ? TrustChainJson.ToElement(new { worker = name, n, echo })
            : TrustChainJson.ToElement(new { worker = name, n });
    }
}
