using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrustChain.Engines.InMemory;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Runtime;

namespace TrustChain.Hosting;

/// <summary>Creates a node's engine from its settings, when the container first needs it (at host start).</summary>
internal static class TransportFactory
{
    /// <summary>The engine named by <c>TrustChain:Transport</c>.</summary>
    public static ITransport FromConfiguration(IServiceProvider services) =>
        services.GetRequiredService<IOptions<TrustChainTransportOptions>>().Value.Transport switch
        {
            TransportKind.InMemory => InMemory(services),
            TransportKind.RabbitMQ => RabbitMq(services),
            var other => throw new InvalidOperationException($"TrustChain:Transport '{other}' is not an engine: use {string.Join(" or ", Enum.GetNames<TransportKind>())}."),
        };

    public static InMemoryTransport InMemory(IServiceProvider services) => new(
        services.GetRequiredService<InMemoryNetwork>(),
        services.GetRequiredService<IOptions<TrustChainOptions>>().Value.NodeId,
        services.GetRequiredService<ILogger<InMemoryTransport>>());

    /// <summary>Reading the options validates them (<see cref="RabbitMqOptionsValidator"/>), so bad settings stop the start.</summary>
    public static RabbitMqTransport RabbitMq(IServiceProvider services)
    {
        var trustChain = services.GetRequiredService<IOptions<TrustChainOptions>>().Value;
        return new RabbitMqTransport(
            services.GetRequiredService<IOptions<RabbitMqOptions>>().Value,
            trustChain.NodeId,
            trustChain.ShutdownGracePeriod,
            services.GetRequiredService<ILoggerFactory>());
    }
}
