using System.Net;
using Microsoft.Extensions.Configuration;

namespace TrustChain.Demo.Hosting;

/// <summary>
/// How the demo's processes find each other on one machine: Orleans' localhost clustering, ports from the
/// <c>Orleans</c> section (<c>SiloPort</c>, <c>GatewayPort</c>, and <c>PrimarySiloPort</c> for a silo joining another).
/// The cluster over Redis is the cluster issue's.
/// </summary>
public static class DemoClustering
{
    public const string SectionName = "Orleans";
    public const string ServiceId = "trustchain";
    public const string ClusterId = "trustchain-dev";

    public static ISiloBuilder UseDemoClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionName);
        var siloPort = section.GetValue("SiloPort", 11111);
        var gatewayPort = section.GetValue("GatewayPort", 30000);
        var primary = section.GetValue<int?>("PrimarySiloPort");
        return silo.UseLocalhostClustering(
            siloPort,
            gatewayPort,
            primary is { } port && port != siloPort ? new IPEndPoint(IPAddress.Loopback, port) : null,
            ServiceId,
            ClusterId);
    }
}
