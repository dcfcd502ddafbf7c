using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;
using TrustChain.Workers;

namespace TrustChain.Silo;

/// <summary>
/// The silo's readiness, Orleans' way: the silo is active in its cluster, and every one of Orleans' health check
/// participants (membership, cluster health monitor, …) says it is healthy; and the silo hosts the workers it should.
/// </summary>
internal sealed class SiloHealthCheck(
    ILocalSiloDetails silo,
    ISiloStatusOracle status,
    IEnumerable<IHealthCheckParticipant> participants,
    WorkerCatalog catalog) : IHealthCheck
{
    private DateTime _lastCheck = DateTime.UtcNow;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var since = _lastCheck;
        _lastCheck = DateTime.UtcNow;
        var problems = new List<string>();
        if (status.CurrentStatus != SiloStatus.Active)
        {
            problems.Add($"the silo is {status.CurrentStatus}, not active in the cluster");
        }

        foreach (var participant in participants)
        {
            if (!participant.CheckHealth(since, out var reason))
            {
                problems.Add($"{participant.GetType().Name}: {reason}");
            }
        }

        var self = silo.SiloAddress.ToParsableString();
        var hosted = catalog.Workers.Where(w => w.Silos.Contains(self, StringComparer.Ordinal)).Select(w => w.Worker).ToList();
        if (hosted.Count == 0)
        {
            problems.Add("this silo hosts no worker");
        }

        var data = new Dictionary<string, object>
        {
            ["silo"] = silo.SiloAddress.ToParsableString(),
            ["siloStatus"] = status.CurrentStatus.ToString(),
            ["activeSilos"] = status.GetApproximateSiloStatuses(onlyActive: true).Count,
            ["hosts"] = hosted,
            ["clusterWorkers"] = catalog.Workers.Select(w => w.Worker).ToList(),
        };
        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy(data: data)
            : HealthCheckResult.Unhealthy(string.Join("; ", problems), data: data));
    }
}
