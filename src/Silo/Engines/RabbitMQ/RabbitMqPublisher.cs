using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace TrustChain.Engines.RabbitMQ;

/// <summary>
/// Publishes with a publisher confirm and returns only once the broker has taken responsibility for the message.
/// While the broker is away it waits for the connection and retries with backoff, up to
/// <see cref="RabbitMqOptions.PublishTimeout"/>; the caller's token stops it only before a message is sent. A retry
/// after a lost confirm may publish twice, which the protocol's idempotent receivers absorb (at least once, never
/// silently zero times).
/// </summary>
internal sealed partial class RabbitMqPublisher : IAsyncDisposable
{
    private readonly RabbitMqConnection _connection;
    private readonly RabbitMqOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _channelGate = new(1, 1);
    private IChannel? _channel;
    private volatile bool _halted;

    public RabbitMqPublisher(RabbitMqConnection connection, RabbitMqOptions options, TimeProvider time, ILogger logger)
    {
        _connection = connection;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Publishes <paramref name="body"/>. False when <paramref name="mandatory"/> and no queue took it (the broker
    /// returned it); true once confirmed. Throws <see cref="TimeoutException"/> when the broker stays away too long.
    /// </summary>
    public async Task<bool> PublishAsync(string exchange, string routingKey, bool mandatory, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.PublishTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var token = linked.Token;
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            if (_halted)
            {
                return true; // a crashed node's words never arrive
            }

            try
            {
                await _connection.WaitConnectedAsync(token).ConfigureAwait(false);
                var channel = await GetChannelAsync(token).ConfigureAwait(false);

                // Once sent, the message may reach a queue (and a worker) before its confirm comes back, whatever the
                // caller decides meanwhile: from here only the publish timeout stops the wait. Giving up on a cancelled
                // token would tell a dispatcher that nobody got a task a worker may already be doing.
                // The client is given no token either: with 7.1.2 a token cancelled while it waits for its confirm
                // gate can corrupt that gate (rabbitmq-dotnet-client#1900).
                await channel.BasicPublishAsync(exchange, routingKey, mandatory, properties, body, CancellationToken.None)
                    .AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
                if (attempt > 1)
                {
                    LogPublishedAfterRetry(exchange, routingKey, attempt);
                }

                return true;
            }
            catch (PublishException ex) when (ex.IsReturn)
            {
                return false;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"RabbitMQ did not confirm a message to '{exchange}' '{routingKey}' within {_options.PublishTimeout} ({attempt} attempt(s)).");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw; // cancelled before anything was sent
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (attempt == 1)
                {
                    LogPublishFailed(exchange, routingKey, ex.Message);
                }
                else
                {
                    LogPublishRetryFailed(exchange, routingKey, attempt, ex.Message);
                }

                try
                {
                    await Task.Delay(delay, _time, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"RabbitMQ did not confirm a message to '{exchange}' '{routingKey}' within {_options.PublishTimeout} ({attempt} attempt(s)).", ex);
                }

                delay = _connection.Backoff(delay);
            }
        }
    }

    /// <summary>After a crash: nothing more leaves this node.</summary>
    public void Halt() => _halted = true;

    public async ValueTask DisposeAsync()
    {
        _halted = true;
        if (_channel is { } channel)
        {
            await CloseQuietlyAsync(channel).ConfigureAwait(false);
        }

        _channelGate.Dispose();
    }

    private async Task<IChannel> GetChannelAsync(CancellationToken cancellationToken)
    {
        await _channelGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_channel is { IsOpen: true } open)
            {
                return open;
            }

            // Closed while the connection is up: a channel-level error (e.g. an exchange deleted under us), which
            // automatic recovery does not repair. A fresh channel does.
            if (_channel is { } broken)
            {
                LogChannelReplaced(broken.CloseReason?.ReplyText ?? "closed");
                await CloseQuietlyAsync(broken).ConfigureAwait(false);
                _channel = null;
            }

            _channel = await _connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken).ConfigureAwait(false);
            return _channel;
        }
        finally
        {
            _channelGate.Release();
        }
    }

    private static async Task CloseQuietlyAsync(IChannel channel)
    {
        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Already closed with its connection: nothing to do.
        }

        channel.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing to '{Exchange}' '{RoutingKey}' failed, retrying until the broker confirms: {Error}")]
    private partial void LogPublishFailed(string exchange, string routingKey, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Publishing to '{Exchange}' '{RoutingKey}' failed again (attempt {Attempt}): {Error}")]
    private partial void LogPublishRetryFailed(string exchange, string routingKey, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published to '{Exchange}' '{RoutingKey}' after {Attempt} attempts")]
    private partial void LogPublishedAfterRetry(string exchange, string routingKey, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The publishing channel was closed by the broker ({Reason}); opening a new one")]
    private partial void LogChannelReplaced(string reason);
}
