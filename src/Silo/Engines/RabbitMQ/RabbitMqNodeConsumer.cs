using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TrustChain.Messages;

namespace TrustChain.Engines.RabbitMQ;

/// <summary>
/// Consumes this node's reply queue (verdicts, results and leases for the requests it owns, verdict replies for
/// its workers, broadcasts) and hands each message to the node in order, one at a time: a worker's verdict must
/// reach the grain before its result. A message is acknowledged once the node has taken it in.
/// </summary>
internal sealed partial class RabbitMqNodeConsumer : IAsyncDisposable
{
    private readonly IChannel _channel;
    private readonly string _queue;
    private readonly Func<TrustChainMessage, ValueTask> _receiver;
    private readonly DeadLetterer _deadLetterer;
    private readonly ILogger _logger;
    private readonly CancellationToken _crashed;
    private readonly Channel<InboundDelivery> _inbox = Channel.CreateUnbounded<InboundDelivery>(new UnboundedChannelOptions { SingleReader = true });
    private Task _loop = Task.CompletedTask;
    private string? _consumerTag;
    private int _disposed;

    private RabbitMqNodeConsumer(IChannel channel, string queue, Func<TrustChainMessage, ValueTask> receiver, DeadLetterer deadLetterer, ILogger logger, CancellationToken crashed)
    {
        _channel = channel;
        _queue = queue;
        _receiver = receiver;
        _deadLetterer = deadLetterer;
        _logger = logger;
        _crashed = crashed;
    }

    public static async Task<RabbitMqNodeConsumer> StartAsync(
        RabbitMqConnection connection,
        RabbitMqTopology topology,
        string nodeId,
        RabbitMqOptions options,
        Func<TrustChainMessage, ValueTask> receiver,
        DeadLetterer deadLetterer,
        ILogger logger,
        CancellationToken crashed,
        CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(null, cancellationToken).ConfigureAwait(false);
        var consumer = new RabbitMqNodeConsumer(channel, topology.NodeQueue(nodeId), receiver, deadLetterer, logger, crashed);
        try
        {
            await topology.DeclareNodeAsync(channel, nodeId, options.NodeQueueExpiry, cancellationToken).ConfigureAwait(false);
            await channel.BasicQosAsync(prefetchSize: 0, (ushort)options.NodePrefetch, global: false, cancellationToken).ConfigureAwait(false);
            consumer._loop = Task.Run(consumer.ReceiveLoopAsync, CancellationToken.None);
            var basicConsumer = new AsyncEventingBasicConsumer(channel);
            basicConsumer.ReceivedAsync += consumer.OnReceivedAsync;
            consumer._consumerTag = await channel.BasicConsumeAsync(consumer._queue, autoAck: false, basicConsumer, cancellationToken).ConfigureAwait(false);
            return consumer;
        }
        catch
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops consuming; messages taken in but not yet handled go back to the queue with the channel.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_consumerTag is { } tag && _channel.IsOpen)
        {
            try
            {
                await _channel.BasicCancelAsync(tag).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogStopFailed(ex.Message);
            }
        }

        _inbox.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        try
        {
            await _channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogStopFailed(ex.Message);
        }

        _channel.Dispose();
    }

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs args)
    {
        _inbox.Writer.TryWrite(InboundDelivery.Copy(_queue, _channel, args));
        return Task.CompletedTask;
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            await foreach (var delivery in _inbox.Reader.ReadAllAsync(_crashed).ConfigureAwait(false))
            {
                await HandleAsync(delivery).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_crashed.IsCancellationRequested)
        {
            // Crashed: what is left unacknowledged is the broker's to redeliver.
        }
    }

    private async Task HandleAsync(InboundDelivery delivery)
    {
        if (!RabbitMqWire.TryDecodeMessage(delivery.Body, out var message, out var unreadable))
        {
            await DeadLetterAsync(delivery, unreadable).ConfigureAwait(false);
            return;
        }

        if (message is TaskMessage)
        {
            await DeadLetterAsync(delivery, "a task on a node queue: tasks go through the tasks exchange to worker queues").ConfigureAwait(false);
            return;
        }

        try
        {
            await _receiver(message).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Readable but failed in the node: redelivering it would fail the same way.
            LogReceiveFailed(ex, RabbitMqWire.KindOf(message), message.RequestId);
        }

        if (!_crashed.IsCancellationRequested)
        {
            await delivery.TryAckAsync().ConfigureAwait(false);
        }
    }

    private async Task DeadLetterAsync(InboundDelivery delivery, string reason)
    {
        try
        {
            await _deadLetterer.DeadLetterAsync(delivery, reason, _crashed).ConfigureAwait(false);
            await delivery.TryAckAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDeadLetterFailed(delivery.Queue, ex.Message);
            await delivery.TryRequeueAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling {Kind} for {RequestId} failed; the node keeps serving")]
    private partial void LogReceiveFailed(Exception exception, string kind, RequestId requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not dead-letter a message from {Queue}, handed back to the queue: {Error}")]
    private partial void LogDeadLetterFailed(string queue, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stopping the node queue consumer: {Error}")]
    private partial void LogStopFailed(string error);
}
