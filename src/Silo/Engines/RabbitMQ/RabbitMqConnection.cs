using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace TrustChain.Engines.RabbitMQ;

/// <summary>
/// One node's connection to the broker. The first connection is retried with backoff until it succeeds (a silo
/// may start before the broker); after that the client's automatic recovery reconnects and re-declares the
/// topology and consumers. Every loss and recovery is logged and reflected in <see cref="IsConnected"/>.
/// </summary>
internal sealed partial class RabbitMqConnection : IAsyncDisposable
{
    private readonly ConnectionFactory _factory;
    private readonly RabbitMqOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnection? _connection;
    private volatile bool _closing;

    public RabbitMqConnection(RabbitMqOptions options, string nodeId, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _factory = new ConnectionFactory
        {
            Uri = new Uri(options.Uri),
            ClientProvidedName = $"trustchain {nodeId}",
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = options.RecoveryInterval,

            // A broker that vanishes without closing the socket is noticed within two of these.
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
        };
        Endpoint = $"{_factory.HostName}:{_factory.Port}{_factory.VirtualHost}";
    }

    /// <summary>Raised with true when the connection comes up (first time or recovered), false when it is lost.</summary>
    public event Action<bool>? ConnectionChanged;

    /// <summary>Host, port and virtual host, without credentials: safe to log.</summary>
    public string Endpoint { get; }

    public bool IsConnected => _connected.Task.IsCompletedSuccessfully && _connection?.IsOpen == true;

    public IConnection Connection => _connection ?? throw new InvalidOperationException("Not connected yet.");

    /// <summary>Connects, retrying with backoff until the broker answers or <paramref name="cancellationToken"/> fires.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var connection = await _factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
                connection.ConnectionShutdownAsync += OnShutdownAsync;
                connection.RecoverySucceededAsync += OnRecoveredAsync;
                connection.ConnectionRecoveryErrorAsync += OnRecoveryErrorAsync;
                _connection = connection;
                SetConnected(true);
                LogConnected(Endpoint, attempt);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogConnectFailed(Endpoint, attempt, delay.TotalMilliseconds, Describe(ex));
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = Backoff(delay);
            }
        }
    }

    /// <summary>Completes when the connection is up (at once if it is).</summary>
    public Task WaitConnectedAsync(CancellationToken cancellationToken)
    {
        Task connected;
        lock (_gate)
        {
            connected = _connected.Task;
        }

        return connected.WaitAsync(cancellationToken);
    }

    /// <summary>The next pause of a retry loop: doubled, up to <see cref="RabbitMqOptions.MaxRetryDelay"/>.</summary>
    public TimeSpan Backoff(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));

    public Task<IChannel> CreateChannelAsync(CreateChannelOptions? options, CancellationToken cancellationToken) =>
        Connection.CreateChannelAsync(options, cancellationToken);

    /// <summary>Drops the connection without a goodbye, as a killed process would: the broker requeues what was unacknowledged.</summary>
    public async Task AbortAsync()
    {
        _closing = true;
        SetConnected(false);
        if (_connection is { } connection)
        {
            await connection.AbortAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        SetConnected(false);
        if (_connection is { } connection)
        {
            try
            {
                await connection.CloseAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogCloseFailed(ex.Message);
            }

            connection.Dispose();
            _connection = null;
        }
    }

    /// <summary>The client wraps the cause ("None of the specified endpoints were reachable"); the cause is what helps.</summary>
    private static string Describe(Exception exception)
    {
        var messages = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return string.Join(" -> ", messages.Distinct());
    }

    private Task OnShutdownAsync(object sender, ShutdownEventArgs args)
    {
        SetConnected(false);
        if (!_closing)
        {
            LogConnectionLost(Endpoint, args.ReplyCode, args.ReplyText, _options.RecoveryInterval.TotalMilliseconds);
        }

        return Task.CompletedTask;
    }

    private Task OnRecoveredAsync(object sender, AsyncEventArgs args)
    {
        SetConnected(true);
        LogRecovered(Endpoint);
        return Task.CompletedTask;
    }

    private Task OnRecoveryErrorAsync(object sender, ConnectionRecoveryErrorEventArgs args)
    {
        LogRecoveryFailed(Endpoint, Describe(args.Exception));
        return Task.CompletedTask;
    }

    private void SetConnected(bool connected)
    {
        bool changed;
        lock (_gate)
        {
            if (connected)
            {
                changed = _connected.TrySetResult();
            }
            else if (_connected.Task.IsCompleted)
            {
                _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                changed = true;
            }
            else
            {
                changed = false;
            }
        }

        if (changed && !(_closing && connected))
        {
            ConnectionChanged?.Invoke(connected);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to RabbitMQ at {Endpoint} (attempt {Attempt})")]
    private partial void LogConnected(string endpoint, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not connect to RabbitMQ at {Endpoint} (attempt {Attempt}), retrying in {DelayMs} ms: {Error}")]
    private partial void LogConnectFailed(string endpoint, int attempt, double delayMs, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the connection to RabbitMQ at {Endpoint} ({ReplyCode} {ReplyText}); recovering every {IntervalMs} ms")]
    private partial void LogConnectionLost(string endpoint, ushort replyCode, string replyText, double intervalMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconnected to RabbitMQ at {Endpoint}; topology and consumers recovered")]
    private partial void LogRecovered(string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconnecting to RabbitMQ at {Endpoint} failed, will retry: {Error}")]
    private partial void LogRecoveryFailed(string endpoint, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closing the RabbitMQ connection failed: {Error}")]
    private partial void LogCloseFailed(string error);
}
