using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;
using TrustChain.Workers;

namespace TrustChain.Api;

/// <summary>
/// Ready once this node can serve requests. With a silo in the process (the embedded default): the silo is active in
/// the cluster and the cluster manifest shows at least one worker. As an Orleans client of a cluster: connected to at
/// least one gateway, and the cluster manifest the client got from its gateways shows at least one worker. The report
/// names the silo (or the gateways) and lists the workers the cluster hosts, so an operator, or a test, can see that
/// the silos have joined.
/// </summary>
public sealed class TrustChainHealthCheck(IServiceProvider services, WorkerCatalog catalog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var workers = catalog.Workers;
        var data = new Dictionary<string, object> { ["workers"] = workers };
        string? problem;
        if (services.GetService<ILocalSiloDetails>() is { } silo && services.GetService<ISiloStatusOracle>() is { } status)
        {
            data["mode"] = "silo";
            data["silo"] = silo.SiloAddress.ToParsableString();
            data["siloStatus"] = status.CurrentStatus.ToString();
            data["activeSilos"] = status.GetApproximateSiloStatuses(onlyActive: true).Count;
            problem = status.CurrentStatus != SiloStatus.Active ? $"The silo is {status.CurrentStatus}, not yet active in the cluster." : null;
        }
        else
        {
            var connection = services.GetRequiredService<ClusterConnection>();
            data["mode"] = "client";
            data["gateways"] = connection.Gateways;
            data["silosWithWorkers"] = workers.SelectMany(w => w.Silos).Distinct(StringComparer.Ordinal).Count();
            problem = connection.Connected ? null : "The client has lost its connection to the cluster (no gateway answers).";
        }

        problem ??= workers.Count == 0 ? "No silo of the cluster hosts a worker yet." : null;
        return Task.FromResult(problem is null ? HealthCheckResult.Healthy(data: data) : HealthCheckResult.Unhealthy(problem, data: data));
    }
}

/// <summary>
/// The Orleans client's connection to its cluster, as Orleans tells it: connected once the client has started
/// (it starts only once a gateway answered), lost when no gateway answers any more, back when one does.
/// </summary>
public sealed class ClusterConnection : IClusterConnectionStatusObserver
{
    private volatile int _gateways = -1;

    public bool Connected => _gateways != 0;

    /// <summary>The connected gateways, or -1 before Orleans told a count.</summary>
    public int Gateways => _gateways;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered) =>
        _gateways = currentNumberOfGateways;

    public void NotifyClusterConnectionLost() => _gateways = 0;
}
