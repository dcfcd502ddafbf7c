using System.Diagnostics;
using RabbitMQ.Client;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>
/// The broker the RabbitMQ tests run against: <c>TRUSTCHAIN_TEST_RABBITMQ_URI</c>, or a local default. As a class
/// fixture it checks the broker answers, and fails every test of the class when it does not: in CI these tests
/// must run, never skip (scripts/test.sh installs and starts a private broker).
/// </summary>
public sealed class RabbitMqBroker : IAsyncLifetime
{
    public const string UriVariable = "TRUSTCHAIN_TEST_RABBITMQ_URI";

    /// <summary>The <c>rabbitmqctl</c> command line that reaches the test broker, for the tests that restart it.</summary>
    public const string ControlVariable = "TRUSTCHAIN_TEST_RABBITMQCTL";

    public static string Uri { get; } = Environment.GetEnvironmentVariable(UriVariable) is { Length: > 0 } uri ? uri : "amqp://guest:guest@127.0.0.1:5672/";

    public Task InitializeAsync() => EnsureReachableAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A name prefix no other test uses: each test gets its own exchanges and queues on the shared broker.</summary>
    public static string NewPrefix() => $"test-{Guid.NewGuid():N}"[..17];

    /// <summary>Engine settings for a test: its own prefix, quick recovery, and queues that do not outlive the run long.</summary>
    public static RabbitMqOptions Options(string prefix) => new()
    {
        Uri = Uri,
        Prefix = prefix,
        RecoveryInterval = TimeSpan.FromSeconds(1),
        MaxRetryDelay = TimeSpan.FromSeconds(1),
        NodeQueueExpiry = TimeSpan.FromMinutes(5),
    };

    public static void Apply(RabbitMqOptions target, RabbitMqOptions source)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(source);
        target.Uri = source.Uri;
        target.Prefix = source.Prefix;
        target.Prefetch = source.Prefetch;
        target.HeartbeatInterval = source.HeartbeatInterval;
        target.RecoveryInterval = source.RecoveryInterval;
        target.MaxRetryDelay = source.MaxRetryDelay;
        target.PublishTimeout = source.PublishTimeout;
        target.NodeQueueExpiry = source.NodeQueueExpiry;
        target.NodePrefetch = source.NodePrefetch;
    }

    public static async Task EnsureReachableAsync()
    {
        var factory = new ConnectionFactory { Uri = new System.Uri(Uri), RequestedConnectionTimeout = TimeSpan.FromSeconds(10) };
        try
        {
            await using var connection = await factory.CreateConnectionAsync().WaitAsync(Safety.Timeout);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException(
                $"RabbitMQ is not reachable at {factory.HostName}:{factory.Port} ({UriVariable}). The RabbitMQ tests fail rather than skip: " +
                "run scripts/test.sh, which installs and starts a private broker, or point the variable at one.", ex);
        }
    }

    /// <summary>Runs one operation on a fresh connection and channel of its own.</summary>
    public static async Task<T> WithChannelAsync<T>(Func<IChannel, Task<T>> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var factory = new ConnectionFactory { Uri = new System.Uri(Uri) };
        await using var connection = await factory.CreateConnectionAsync().WaitAsync(Safety.Timeout);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)).WaitAsync(Safety.Timeout);
        return await operation(channel).WaitAsync(Safety.Timeout);
    }

    /// <summary>Messages ready in a queue and its consumers, or null when the queue does not exist.</summary>
    public static async Task<(uint Messages, uint Consumers)?> QueueStateAsync(string queue)
    {
        try
        {
            return await WithChannelAsync(async channel =>
            {
                var ok = await channel.QueueDeclarePassiveAsync(queue);
                return ((uint, uint)?)(ok.MessageCount, ok.ConsumerCount);
            });
        }
        catch (global::RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return null; // 404: no such queue
        }
    }

    /// <summary>Publishes raw bytes with a confirm, as a foreign or broken client would.</summary>
    public static Task PublishRawAsync(string exchange, string routingKey, byte[] body, BasicProperties? properties = null) =>
        WithChannelAsync(async channel =>
        {
            await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties ?? new BasicProperties(), body);
            return true;
        });

    /// <summary>Takes one message off a queue (acknowledged), or null when it is empty.</summary>
    public static Task<BasicGetResult?> GetAsync(string queue) =>
        WithChannelAsync(channel => channel.BasicGetAsync(queue, autoAck: true));

    /// <summary>Deletes a test's exchanges and queues; best effort, each on its own channel since a miss closes it.</summary>
    public static async Task DeleteAsync(RabbitMqTopology topology, IEnumerable<string> workers, IEnumerable<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var queues = workers.Select(topology.WorkerQueue)
            .Concat(nodes.Select(topology.NodeQueue))
            .Append(topology.DeadLetterQueue)
            .Distinct(StringComparer.Ordinal);
        foreach (var queue in queues)
        {
            await BestEffortAsync(channel => channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false));
        }

        foreach (var exchange in new[] { topology.TasksExchange, topology.ControlExchange, topology.MembershipExchange, topology.DeadLetterExchange })
        {
            await BestEffortAsync(async channel =>
            {
                await channel.ExchangeDeleteAsync(exchange, ifUnused: false);
                return 0u;
            });
        }

        static async Task BestEffortAsync(Func<IChannel, Task<uint>> operation)
        {
            try
            {
                await WithChannelAsync(operation);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Already gone, or the broker is away: leftovers only cost a little space on a test broker.
            }
        }
    }

    /// <summary>Runs <c>rabbitmqctl</c> (<see cref="ControlVariable"/>, or the one on the PATH) and fails on a non-zero exit.</summary>
    public static async Task<string> RabbitmqctlAsync(params string[] arguments)
    {
        var command = (Environment.GetEnvironmentVariable(ControlVariable) is { Length: > 0 } configured ? configured : "rabbitmqctl")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command.Skip(1).Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {command[0]}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} {string.Join(' ', arguments)} exited {process.ExitCode}: {await error}{await output}");
        }

        return await output;
    }
}
