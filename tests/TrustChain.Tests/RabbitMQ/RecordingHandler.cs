using TrustChain.Messages;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>A worker handler that records its deliveries; it returns at once or, if told to, holds each until stopped.</summary>
public sealed class RecordingHandler(bool holds = false)
{
    private readonly List<(TaskMessage Task, bool Redelivered)> _deliveries = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waits = [];

    public IReadOnlyList<(TaskMessage Task, bool Redelivered)> Deliveries
    {
        get
        {
            lock (_waits)
            {
                return [.. _deliveries];
            }
        }
    }

    public Task WaitForCountAsync(int count)
    {
        var done = Safety.Signal();
        lock (_waits)
        {
            _waits.Add((count, done));
            if (_deliveries.Count >= count)
            {
                done.TrySetResult();
            }
        }

        return done.Task.Guarded();
    }

    public async Task HandleAsync(TaskMessage task, bool redelivered, CancellationToken stopping)
    {
        lock (_waits)
        {
            _deliveries.Add((task, redelivered));
            foreach (var (count, done) in _waits.Where(w => _deliveries.Count >= w.Count))
            {
                done.TrySetResult();
            }
        }

        if (holds)
        {
            // Until the node stops or dies: then it throws, and the engine must hand the task back.
            await Task.Delay(Timeout.InfiniteTimeSpan, stopping);
        }
    }
}
