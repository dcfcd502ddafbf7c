using System.Collections.Concurrent;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Api;

/// <summary>
/// A silo's grain call filter that raises a signal when a call has completed on its grain: what a test awaits
/// instead of polling for one-way calls (an ended request telling the index, the index telling a request to forget,
/// a decision applied by a worker) to have done their work.
/// </summary>
public sealed class GrainCallWatch : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<(string Method, string Key), TaskCompletionSource> _done = new();

    /// <summary>
    /// Completes once <paramref name="method"/> has run to its end for <paramref name="key"/>: the request id for the
    /// index's <c>OnEndedAsync</c> and for calls on a request grain, <see cref="WorkerKey"/> for calls on a worker grain.
    /// </summary>
    public Task Completed(string method, string key) => Signal(method, key).Task;

    /// <summary>The key of one worker's grain (its part) in one request.</summary>
    public static string WorkerKey(string worker, string requestId) => $"{worker}/{requestId}";

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Invoke();
        var method = context.InterfaceMethod?.Name ?? context.MethodName;
        var key = context.Grain switch
        {
            IRequestIndexGrain when context.Request.GetArgumentCount() > 0 && context.Request.GetArgument(0) is RequestIndexEntry entry => entry.RequestId.Value,
            WorkerGrain grain => WorkerKey(grain.Name, context.TargetId.Key.ToString()!),
            _ => context.TargetId.Key.ToString()!,
        };
        Signal(method, key).TrySetResult();
    }

    private TaskCompletionSource Signal(string method, string key) => _done.GetOrAdd((method, key), static _ => Safety.Signal());
}
