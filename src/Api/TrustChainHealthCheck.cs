using Microsoft.Extensions.Diagnostics.HealthChecks;
using TrustChain.Hosting;
using TrustChain.Runtime;

namespace TrustChain.Api;

/// <summary>
/// Ready while the node's engine reaches its broker (always, in memory) and membership knows at least one live
/// worker (on RabbitMQ, a silo's heartbeat has come in). The report lists the workers the node knows, so an
/// operator, or a test, can see that the silos have joined.
/// </summary>
public sealed class TrustChainHealthCheck(ITransport transport, RequestRegistry requests) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["node"] = transport.NodeId,
            ["engine"] = transport is ITransportHealth ? TransportKind.RabbitMQ.ToString() : TransportKind.InMemory.ToString(),
            ["runningRequests"] = requests.Count,
            ["workers"] = transport.Membership.Workers,
        };
        if (transport is ITransportHealth health)
        {
            data["endpoint"] = health.Endpoint;
            data["connected"] = health.IsConnected;
            if (!health.IsConnected)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy($"Not connected to {health.Endpoint}; reconnecting.", data: data));
            }
        }

        if (transport.Membership.Workers.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("No live worker known yet; waiting for membership.", data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy(data: data));
    }
}
