using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace TrustChain.Engines.RabbitMQ;

/// <summary>
/// The membership exchange from one node's side: announces the node's workers every heartbeat interval (and at
/// once when they change, or when a node it did not know appears, so a newcomer learns the cluster in one round
/// trip), takes in the others' announcements, and forgets nodes gone silent.
/// </summary>
internal sealed partial class MembershipHeartbeat : IAsyncDisposable
{
    private readonly RabbitMqMembership _membership;
    private readonly RabbitMqPublisher _publisher;
    private readonly RabbitMqTopology _topology;
    private readonly DeadLetterer _deadLetterer;
    private readonly string _nodeId;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private IChannel? _channel;
    private ITimer? _timer;
    private int _announcing;
    private int _pending;

    public MembershipHeartbeat(
        RabbitMqMembership membership,
        RabbitMqPublisher publisher,
        RabbitMqTopology topology,
        DeadLetterer deadLetterer,
        string nodeId,
        TimeSpan interval,
        TimeProvider time,
        ILogger logger)
    {
        _membership = membership;
        _publisher = publisher;
        _topology = topology;
        _deadLetterer = deadLetterer;
        _nodeId = nodeId;
        _interval = interval;
        _time = time;
        _logger = logger;
    }

    public async Task StartAsync(RabbitMqConnection connection, CancellationToken cancellationToken)
    {
        _channel = await connection.CreateChannelAsync(null, cancellationToken).ConfigureAwait(false);
        await _topology.DeclareMembershipAsync(_channel, _nodeId, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += OnReceivedAsync;

        // Heartbeats are worth nothing once stale, so they are taken without acknowledgement.
        await _channel.BasicConsumeAsync(_topology.MembershipQueue(_nodeId), autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
        _timer = _time.CreateTimer(static s => ((MembershipHeartbeat)s!).Tick(), this, TimeSpan.Zero, _interval);
    }

    /// <summary>Announces now, out of turn: the hosted workers changed, or a newcomer should learn about them.</summary>
    public void AnnounceNow()
    {
        if (_timer is null || _stopping.IsCancellationRequested)
        {
            return;
        }

        // One announcement in flight at a time; a request made meanwhile is served by one more right after it.
        Interlocked.Exchange(ref _pending, 1);
        if (Interlocked.Exchange(ref _announcing, 1) == 1)
        {
            return;
        }

        _ = Task.Run(AnnounceWhilePendingAsync);
    }

    /// <summary>
    /// Announces now and waits for the broker's confirm: once it returns, the announcement sits in every node's
    /// membership queue, ahead of any reply the newly announced workers send. A failure is logged, not thrown: the
    /// heartbeat tries again on its next tick.
    /// </summary>
    public async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PublishAsync(new MembershipAnnouncement(_nodeId, _membership.LocalWorkers(), _interval, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            LogAnnounceFailed(ex.Message);
        }
    }

    /// <summary>Says goodbye (when <paramref name="leaving"/>) and stops announcing and listening.</summary>
    public async Task StopAsync(bool leaving)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        if (leaving)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2), _time);
                await PublishAsync(new MembershipAnnouncement(_nodeId, [], _interval, _time.GetUtcNow(), Leaving: true), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogAnnounceFailed(ex.Message);
            }
        }

        if (_channel is { } channel)
        {
            try
            {
                await channel.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogAnnounceFailed(ex.Message);
            }

            channel.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(leaving: false).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void Tick()
    {
        _membership.Expire();
        AnnounceNow();
    }

    private async Task AnnounceWhilePendingAsync()
    {
        try
        {
            while (Interlocked.Exchange(ref _pending, 0) == 1 && !_stopping.IsCancellationRequested)
            {
                try
                {
                    await PublishAsync(new MembershipAnnouncement(_nodeId, _membership.LocalWorkers(), _interval, _time.GetUtcNow()), _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The next tick tries again; the others judge liveness over three intervals.
                    LogAnnounceFailed(ex.Message);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _announcing, 0);
        }

        // A request that slipped in between the last loop check and the release above.
        if (Volatile.Read(ref _pending) == 1)
        {
            AnnounceNow();
        }
    }

    private Task<bool> PublishAsync(MembershipAnnouncement announcement, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties { ContentType = RabbitMqWire.ContentType, Type = "membership", AppId = "trustchain" };
        return _publisher.PublishAsync(_topology.MembershipExchange, string.Empty, mandatory: false, properties, RabbitMqWire.Encode(announcement), cancellationToken);
    }

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs args)
    {
        if (RabbitMqWire.TryDecodeAnnouncement(args.Body.Span, out var announcement, out var unreadable))
        {
            if (_membership.Observe(announcement))
            {
                LogNodeJoined(announcement.Node, announcement.Workers.Count);
                AnnounceNow();
            }
            else if (announcement.Leaving)
            {
                LogNodeLeft(announcement.Node);
            }

            return Task.CompletedTask;
        }

        // Taken without acknowledgement, so a copy goes to the dead-letter queue; never awaited inside the callback.
        var delivery = InboundDelivery.Copy(_topology.MembershipQueue(_nodeId), _channel!, args);
        _ = Task.Run(async () =>
        {
            try
            {
                await _deadLetterer.DeadLetterAsync(delivery, unreadable, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogAnnounceFailed(ex.Message);
            }
        });
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} joined with {Workers} worker(s)")]
    private partial void LogNodeJoined(string node, int workers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} left")]
    private partial void LogNodeLeft(string node);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Membership announcement failed: {Error}")]
    private partial void LogAnnounceFailed(string error);
}
