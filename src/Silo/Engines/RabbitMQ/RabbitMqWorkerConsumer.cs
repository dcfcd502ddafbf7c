using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TrustChain.Messages;
using TrustChain.Runtime;

namespace TrustChain.Engines.RabbitMQ;

/// <summary>
/// One instance's consumption of a worker's durable queue, on a channel of its own with a bounded prefetch: the
/// instance holds at most that many unacknowledged tasks. A task is acknowledged when its handler returns (the
/// worker's result has been confirmed by then), handed back when the handler stops because the node stops, and
/// redelivered by the broker when the connection dies with it.
/// </summary>
internal sealed partial class RabbitMqWorkerConsumer : IAsyncDisposable
{
    private readonly IChannel _channel;
    private readonly RabbitMqConnection _connection;
    private readonly RabbitMqTopology _topology;
    private readonly Action<string> _resumed;
    private readonly string _queue;
    private readonly WorkerSubscription _subscription;
    private readonly Func<TaskMessage, bool, CancellationToken, Task> _handler;
    private readonly DeadLetterer _deadLetterer;
    private readonly TimeSpan _gracePeriod;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abandon;
    private readonly CancellationToken _crashed;
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private string? _consumerTag;
    private Task _resuming = Task.CompletedTask;
    private int _disposed;

    private RabbitMqWorkerConsumer(
        IChannel channel,
        RabbitMqConnection connection,
        RabbitMqTopology topology,
        Action<string> resumed,
        string queue,
        WorkerSubscription subscription,
        Func<TaskMessage, bool, CancellationToken, Task> handler,
        DeadLetterer deadLetterer,
        TimeSpan gracePeriod,
        TimeProvider time,
        ILogger logger,
        CancellationToken crashed)
    {
        _channel = channel;
        _connection = connection;
        _topology = topology;
        _resumed = resumed;
        _queue = queue;
        _subscription = subscription;
        _handler = handler;
        _deadLetterer = deadLetterer;
        _gracePeriod = gracePeriod;
        _time = time;
        _logger = logger;
        _crashed = crashed;
        _abandon = CancellationTokenSource.CreateLinkedTokenSource(crashed);
    }

    public string Worker => _subscription.Worker;

    /// <summary>Declares and binds the worker's queue, then starts consuming it with the given prefetch.</summary>
    public static async Task<RabbitMqWorkerConsumer> StartAsync(
        RabbitMqConnection connection,
        RabbitMqTopology topology,
        WorkerSubscription subscription,
        ushort prefetch,
        Func<TaskMessage, bool, CancellationToken, Task> handler,
        DeadLetterer deadLetterer,
        TimeSpan gracePeriod,
        TimeProvider time,
        ILogger logger,
        Func<CancellationToken, Task> beforeConsuming,
        Action<string> resumed,
        CancellationToken crashed,
        CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(null, cancellationToken).ConfigureAwait(false);
        var queue = topology.WorkerQueue(subscription.Worker);
        var consumer = new RabbitMqWorkerConsumer(channel, connection, topology, resumed, queue, subscription, handler, deadLetterer, gracePeriod, time, logger, crashed);
        try
        {
            await topology.DeclareWorkerAsync(channel, subscription.Worker, subscription.Topics, cancellationToken).ConfigureAwait(false);
            await beforeConsuming(cancellationToken).ConfigureAwait(false);
            await channel.BasicQosAsync(prefetchSize: 0, prefetch, global: false, cancellationToken).ConfigureAwait(false);
            channel.ChannelShutdownAsync += consumer.OnChannelShutdownAsync;
            await consumer.ConsumeAsync(cancellationToken).ConfigureAwait(false);
            consumer.LogConsuming(subscription.Worker, queue, prefetch);
            return consumer;
        }
        catch
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Graceful: takes no more tasks, lets those in progress finish within the grace period, then stops them and
    /// hands them back to the queue for another instance.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // A resumption under way (the broker had cancelled us) ends with the consumer it registers, or stops at its
        // next turn: wait for it, so that the consumer cancelled below is the current one.
        await _resuming.ConfigureAwait(false);
        if (_consumerTag is { } tag && _channel.IsOpen)
        {
            try
            {
                await _channel.BasicCancelAsync(tag).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogCancelFailed(Worker, ex.Message);
            }
        }

        var running = Task.WhenAll(_running.Keys);
        try
        {
            await running.WaitAsync(_gracePeriod, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogGraceExpired(Worker, _running.Count);
            await _abandon.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(_running.Keys).ConfigureAwait(false);
        }

        try
        {
            // Whatever is still unacknowledged goes back to the queue with the channel.
            await _channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogCancelFailed(Worker, ex.Message);
        }

        // A delivery that slipped in before the channel closed has gone back with it: its handler must not work on.
        await _abandon.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running.Keys).ConfigureAwait(false);
        _channel.Dispose();
        _abandon.Dispose();
    }

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs args)
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            return Task.CompletedTask; // stopping: left unacknowledged, it goes back to the queue with the channel
        }

        var delivery = InboundDelivery.Copy(_queue, _channel, args);
        var processing = Task.Run(() => ProcessAsync(delivery));
        _running.TryAdd(processing, 0);
        processing.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    private async Task ProcessAsync(InboundDelivery delivery)
    {
        if (!RabbitMqWire.TryDecodeMessage(delivery.Body, out var message, out var unreadable))
        {
            await DeadLetterAsync(delivery, unreadable).ConfigureAwait(false);
            return;
        }

        if (message is not TaskMessage task)
        {
            await DeadLetterAsync(delivery, $"a '{RabbitMqWire.KindOf(message)}' message on a worker queue, where only tasks belong").ConfigureAwait(false);
            return;
        }

        if (!_subscription.Topics.Contains(task.Topic, StringComparer.Ordinal))
        {
            await DeadLetterAsync(delivery, $"a task on topic '{task.Topic}', which worker '{Worker}' does not subscribe to").ConfigureAwait(false);
            return;
        }

        try
        {
            await _handler(task, delivery.Redelivered, _abandon.Token).ConfigureAwait(false);
            if (!_crashed.IsCancellationRequested && !await delivery.TryAckAsync().ConfigureAwait(false))
            {
                LogAckLost(task.RequestId, Worker);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped before finishing: not ours to acknowledge. After a crash the broker requeues it by itself.
            if (!_crashed.IsCancellationRequested)
            {
                await delivery.TryRequeueAsync().ConfigureAwait(false);
                LogRequeued(task.RequestId, Worker);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The worker runtime turns a worker's own errors into failed results, so this is a failure of ours (or a
            // broker gone for longer than the publish timeout). Redelivering could loop on it; the dead-letter queue
            // keeps it, with the reason, for an operator.
            LogHandlerFailed(ex, task.RequestId, Worker);
            await DeadLetterAsync(delivery, $"the handler failed: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
        }
    }

    private async Task DeadLetterAsync(InboundDelivery delivery, string reason)
    {
        if (_crashed.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await _deadLetterer.DeadLetterAsync(delivery, reason, _abandon.Token).ConfigureAwait(false);
            await delivery.TryAckAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not moved: leave it to the broker (requeued now, or redelivered after reconnection) rather than drop it.
            LogDeadLetterFailed(delivery.Queue, ex.Message);
            await delivery.TryRequeueAsync().ConfigureAwait(false);
        }
    }

    private async Task ConsumeAsync(CancellationToken cancellationToken)
    {
        var basicConsumer = new AsyncEventingBasicConsumer(_channel);
        basicConsumer.ReceivedAsync += OnReceivedAsync;
        basicConsumer.UnregisteredAsync += OnUnregisteredAsync;
        _consumerTag = await _channel.BasicConsumeAsync(_queue, autoAck: false, basicConsumer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Raised for our own cancel as well as for the broker's. The broker cancels a consumer whose queue was deleted
    /// (by an operator, say) while channel and connection stay up: the client's recovery does not cover that, so the
    /// queue is declared and bound again and consumed again, or the worker would silently stop taking tasks here.
    /// </summary>
    private Task OnUnregisteredAsync(object sender, ConsumerEventArgs args)
    {
        if (Volatile.Read(ref _disposed) == 0 && _channel.IsOpen)
        {
            LogConsumerCancelled(Worker, _queue);
            _resuming = Task.Run(ResumeAsync); // not on the channel's dispatch loop, which the calls below need
        }

        return Task.CompletedTask;
    }

    private async Task ResumeAsync()
    {
        var delay = TimeSpan.FromMilliseconds(100);
        var consuming = false;
        while (!consuming && Volatile.Read(ref _disposed) == 0 && _channel.IsOpen && !_crashed.IsCancellationRequested)
        {
            try
            {
                await _topology.DeclareWorkerAsync(_channel, Worker, _subscription.Topics, _abandon.Token).ConfigureAwait(false);
                await ConsumeAsync(_abandon.Token).ConfigureAwait(false);
                LogConsumingAgain(Worker, _queue);
                consuming = true;
                continue;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return; // stopping
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogResumeFailed(Worker, _queue, delay.TotalMilliseconds, ex.Message);
            }

            try
            {
                await Task.Delay(delay, _time, _abandon.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            delay = _connection.Backoff(delay);
        }

        if (consuming)
        {
            try
            {
                _resumed(Worker);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogResumeFailed(Worker, _queue, 0, $"a subscriber to the resumption threw: {ex.Message}");
            }
        }
    }

    private Task OnChannelShutdownAsync(object sender, ShutdownEventArgs args)
    {
        // With the connection, it is the connection's loss (logged there) and recovery brings it back. Alone, it is a
        // channel-level error that recovery does not repair: the worker stops taking tasks on this node.
        if (args.Initiator != ShutdownInitiator.Application && Volatile.Read(ref _disposed) == 0 && _connection.IsConnected)
        {
            LogChannelClosed(Worker, args.ReplyCode, args.ReplyText);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker} consumes {Queue} with prefetch {Prefetch}")]
    private partial void LogConsuming(string worker, string queue, ushort prefetch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker cancelled {Worker}'s consumer of {Queue} (was the queue deleted?); declaring it again")]
    private partial void LogConsumerCancelled(string worker, string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker} consumes {Queue} again")]
    private partial void LogConsumingAgain(string worker, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not consume {Worker}'s queue {Queue} again, retrying in {DelayMs} ms: {Error}")]
    private partial void LogResumeFailed(string worker, string queue, double delayMs, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {RequestId} handed back to {Worker}'s queue: this node stops")]
    private partial void LogRequeued(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {RequestId} of {Worker} was not acknowledged: its channel was lost, the broker redelivers it")]
    private partial void LogAckLost(RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handler of {Worker} threw on {RequestId}; the task goes to the dead-letter queue")]
    private partial void LogHandlerFailed(Exception exception, RequestId requestId, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not dead-letter a message from {Queue}, handed back to the queue: {Error}")]
    private partial void LogDeadLetterFailed(string queue, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Worker} stops: {Count} task(s) still running after the grace period are handed back")]
    private partial void LogGraceExpired(string worker, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stopping the consumer of {Worker}: {Error}")]
    private partial void LogCancelFailed(string worker, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The broker closed the channel of {Worker} ({ReplyCode} {ReplyText}); this instance takes no more of its tasks until it restarts")]
    private partial void LogChannelClosed(string worker, ushort replyCode, string replyText);
}
