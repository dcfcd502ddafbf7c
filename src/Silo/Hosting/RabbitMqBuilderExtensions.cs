using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Runtime;

namespace TrustChain.Hosting;

public static class RabbitMqBuilderExtensions
{
    /// <summary>
    /// Runs this node on RabbitMQ whatever <c>TrustChain:Transport</c> says. Settings bind from
    /// <c>TrustChain:RabbitMQ</c>, then <paramref name="configure"/>; they are validated when the node starts.
    /// </summary>
    public static ITrustChainBuilder UseRabbitMQ(this ITrustChainBuilder builder, Action<RabbitMqOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        builder.Services.RemoveAll<ITransport>();
        builder.Services.AddSingleton<ITransport>(TransportFactory.RabbitMq);
        return builder;
    }
}
