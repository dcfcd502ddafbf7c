using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;
using TrustChain.Workers;

namespace TrustChain.Api;

/// <summary>
/// Ready once the silo in this process is active in the cluster and the cluster manifest shows at least one worker.
/// The report names the silo and lists the workers the cluster hosts, so an operator, or a test, can see that the
/// silos have joined.
/// </summary>
public sealed class TrustChainHealthCheck(ILocalSiloDetails silo, ISiloStatusOracle status, WorkerCatalog catalog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var workers = catalog.Workers;
        var data = new Dictionary<string, object>
        {
            ["silo"] = silo.SiloAddress.ToParsableString(),
            ["siloStatus"] = status.CurrentStatus.ToString(),
            ["activeSilos"] = status.GetApproximateSiloStatuses(onlyActive: true).Count,
            ["workers"] = workers,
        };
        if (status.CurrentStatus != SiloStatus.Active)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"The silo is {status.CurrentStatus}, not yet active in the cluster.", data: data));
        }

        if (workers.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("No silo of the cluster hosts a worker yet.", data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy(data: data));
    }
}
