using System.Collections.Concurrent;
using TrustChain.Messages;

namespace TrustChain.Runtime;

/// <summary>The tasks this node's workers hold, by request and worker.</summary>
internal sealed class InFlightTasks
{
    private readonly ConcurrentDictionary<(RequestId Request, string Worker), InFlightTask> _tasks = new();

    public int Count => _tasks.Count;

    /// <summary>
    /// Registers a task. False when the same worker already holds the same request on this node: a duplicate
    /// delivery, which the instance already at work answers for.
    /// </summary>
    public bool TryBegin(InFlightTask task) => _tasks.TryAdd((task.Task.RequestId, task.Worker), task);

    public void End(InFlightTask task) =>
        _tasks.TryRemove(new KeyValuePair<(RequestId, string), InFlightTask>((task.Task.RequestId, task.Worker), task));

    public void OnVerdictReply(VerdictReply reply)
    {
        if (_tasks.TryGetValue((reply.RequestId, reply.Worker), out var task))
        {
            task.OnVerdictReply(reply);
        }
    }

    public void Cancel(RequestId requestId)
    {
        foreach (var (key, task) in _tasks)
        {
            if (key.Request == requestId)
            {
                task.Cancel();
            }
        }
    }
}
