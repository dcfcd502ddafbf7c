using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TrustChain.Messages;

namespace TrustChain.Engines.InMemory;

/// <summary>
/// One instance's consumption of a worker queue, <c>Concurrency</c> tasks at a time. A task is acknowledged when
/// its handler returns; a task whose handler was stopped by shutdown, or that was in hand when the node crashed,
/// goes back to the queue marked redelivered.
/// </summary>
internal sealed partial class InMemoryConsumer : IAsyncDisposable
{
    private readonly WorkerQueue _queue;
    private readonly Func<TaskMessage, bool, CancellationToken, Task> _handler;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _noMoreTasks = new();
    private readonly CancellationTokenSource _crashed;
    private readonly ConcurrentDictionary<WorkerQueue.Delivery, byte> _unacked = new();
    private readonly Task[] _loops;
    private int _disposed;

    public InMemoryConsumer(WorkerQueue queue, string nodeId, string? publicKey, int concurrency, Func<TaskMessage, bool, CancellationToken, Task> handler, ILogger logger, CancellationToken nodeCrashed)
    {
        _queue = queue;
        _handler = handler;
        _logger = logger;
        _crashed = CancellationTokenSource.CreateLinkedTokenSource(nodeCrashed);
        _crashed.Token.Register(RequeueUnacked);
        queue.AddConsumer(this, nodeId, publicKey);
        _loops = Enumerable.Range(0, concurrency).Select(_ => Task.Run(ConsumeAsync)).ToArray();
    }

    /// <summary>Graceful: takes no more tasks and waits for the handlers in progress (the node bounds how long).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _queue.RemoveConsumer(this);
        await _noMoreTasks.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _noMoreTasks.Dispose();
        _crashed.Dispose();
    }

    private async Task ConsumeAsync()
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_noMoreTasks.Token, _crashed.Token);
        while (true)
        {
            WorkerQueue.Delivery delivery;
            try
            {
                // ReadAsync hands each task to one waiting loop; WaitToReadAsync would wake every idle loop of every
                // instance for each task, and all but one would go back to sleep.
                delivery = await _queue.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
            {
                return;
            }

            _unacked.TryAdd(delivery, 0);
            if (_crashed.IsCancellationRequested)
            {
                RequeueUnacked();
                return;
            }

            try
            {
                await _handler(delivery.Task, delivery.Redelivered, _crashed.Token).ConfigureAwait(false);
                Acknowledge(delivery);
            }
            catch (OperationCanceledException)
            {
                // Stopped before finishing: not acknowledged, so another instance gets it.
                if (_unacked.TryRemove(delivery, out _))
                {
                    _queue.Enqueue(delivery.Task, redelivered: true);
                }
            }
            catch (Exception ex)
            {
                // The worker runtime turns worker errors into failed results, so this is a bug of ours; requeueing
                // would loop on it forever, so it is logged and acknowledged.
                LogHandlerFailed(ex, delivery.Task.RequestId, _queue.Worker);
                Acknowledge(delivery);
            }
        }
    }

    private void Acknowledge(WorkerQueue.Delivery delivery)
    {
        // After a crash the delivery was already handed back; a late acknowledgement from the dead instance is void.
        if (!_crashed.IsCancellationRequested)
        {
            _unacked.TryRemove(delivery, out _);
        }
    }

    private void RequeueUnacked()
    {
        _queue.RemoveConsumer(this);
        foreach (var delivery in _unacked.Keys)
        {
            if (_unacked.TryRemove(delivery, out _))
            {
                _queue.Enqueue(delivery.Task, redelivered: true);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Handler of {Worker} threw on {RequestId}; task acknowledged to avoid a redelivery loop")]
    private partial void LogHandlerFailed(Exception exception, RequestId requestId, string worker);
}
