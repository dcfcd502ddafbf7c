using Microsoft.Extensions.Configuration;

namespace TrustChain.Hosting;

/// <summary>Which engine a node runs on when the code does not choose one (<c>UseInMemory</c>, <c>UseRabbitMQ</c>).</summary>
public sealed class TrustChainTransportOptions
{
    /// <summary><c>TrustChain:Transport</c>: <c>InMemory</c> (default) or <c>RabbitMQ</c>, case-insensitive.</summary>
    public TransportKind Transport { get; set; } = TransportKind.InMemory;

    /// <summary>Reads the engine configured for a host that is still being built, e.g. to decide what it hosts.</summary>
    public static TransportKind Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new TrustChainTransportOptions();
        configuration.GetSection(TrustChainOptions.SectionName).Bind(options);
        return options.Transport;
    }
}
