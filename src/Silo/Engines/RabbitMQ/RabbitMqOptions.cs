namespace TrustChain.Engines.RabbitMQ;

/// <summary>
/// Settings of the RabbitMQ engine, bound from <c>TrustChain:RabbitMQ</c> (e.g. <c>TrustChain__RabbitMQ__Uri</c>).
/// Validated at start by <see cref="RabbitMqOptionsValidator"/>.
/// </summary>
public sealed class RabbitMqOptions
{
    public const string SectionName = "TrustChain:RabbitMQ";

    /// <summary>The broker, as an AMQP URI: user, password, host, port and virtual host.</summary>
    public string Uri { get; set; } = "amqp://guest:guest@localhost:5672/";

    /// <summary>
    /// Prefix of every exchange and queue name. Nodes with the same prefix on the same virtual host form one
    /// cluster; a different prefix is a separate cluster on the same broker (tests use a random one each).
    /// </summary>
    public string Prefix { get; set; } = "trustchain";

    /// <summary>
    /// How many unacknowledged tasks one worker instance holds at once. Null takes
    /// <see cref="TrustChainOptions.WorkerConcurrency"/>, so a slow worker takes no more than it can do.
    /// </summary>
    public int? Prefetch { get; set; }

    /// <summary>How often a node announces its workers. A worker silent for three of these leaves the expected sets.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Delay between two attempts of the client's automatic connection recovery.</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest pause between two attempts to connect or to publish while the broker is away.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a publish may wait for the broker (connection back, confirm received) before it fails. A task's
    /// own deadline stops the wait earlier.
    /// </summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a node's reply queue outlives the node (after a crash) before the broker deletes it.</summary>
    public TimeSpan NodeQueueExpiry { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many messages addressed to this node (verdicts, results, leases) are held unacknowledged at once.</summary>
    public int NodePrefetch { get; set; } = 256;
}
