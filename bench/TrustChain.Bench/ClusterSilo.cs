using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TrustChain.Demo.Hosting;
using TrustChain.Hosting;

namespace TrustChain.Bench;

/// <summary>
/// A silo of the bench's cluster, built the way a user builds one (as <c>src/Silo</c> does): a Generic Host whose
/// configuration comes from the command line, <c>UseDemoClustering</c> (with <c>ConnectionStrings:redis</c> set:
/// Redis clustering, TrustChain's grain storage in Redis with Orleans' serializer, Redis reminders; cluster and
/// endpoints from <c>Orleans:*</c>), then <c>AddTrustChain()</c> with its options from <c>TrustChain:*</c>. It hosts
/// the bench's workers (named in <c>TrustChain:Workers</c>) and, as every bench silo, the hand-written baseline's
/// grains. Logs errors only. <c>TrustChain.Bench cluster-silo ARGS</c> runs one as a process of its own.
/// </summary>
internal static class ClusterSilo
{
    public const string Mode = "cluster-silo";
    public const string Ready = "bench cluster silo ready";

    /// <summary>The command line of silo <paramref name="index"/> of cluster <paramref name="clusterId"/>, on two free loopback ports.</summary>
    public static IReadOnlyList<string> Arguments(BenchSettings settings, string redis, string clusterId, int index)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (siloPort, gatewayPort) = LoopbackPorts.TakeSiloAndGateway();
        var arguments = new List<string>
        {
            $"--ConnectionStrings:{DemoClustering.RedisConnectionName}={redis}",
            $"--Orleans:ClusterId={clusterId}",
            $"--Orleans:ServiceId={clusterId}",
            Invariant($"--Orleans:Endpoints:SiloPort={siloPort}"),
            Invariant($"--Orleans:Endpoints:GatewayPort={gatewayPort}"),
            "--Orleans:Endpoints:AdvertisedIPAddress=127.0.0.1",
            Invariant($"--TrustChain:NodeId=bench-silo-{index}"),
            Invariant($"--TrustChain:MaxRetainedRequests={settings.ClusterMaxRetainedRequests}"),
        };
        arguments.AddRange(BenchWorkers.Names.Select((w, i) => Invariant($"--TrustChain:Workers:{i}={w}")));
        arguments.AddRange(ClusterScenario.SigningArguments);
        if (settings.InterestWindow is { } window)
        {
            arguments.Add(Invariant($"--TrustChain:InterestWindow={window:c}"));
        }

        return arguments;
    }

    /// <summary>A started silo of the configuration <paramref name="arguments"/> give.</summary>
    public static async Task<IHost> StartAsync(IReadOnlyList<string> arguments)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddCommandLine([.. arguments]);
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Error);
        builder.UseOrleans(silo => silo
            .UseDemoClustering(builder.Configuration)
            .AddTrustChain());
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary><c>TrustChain.Bench cluster-silo ARGS</c>: says it is ready once active in its cluster; stops when its standard input closes.</summary>
    public static async Task ChildAsync(IReadOnlyList<string> arguments)
    {
        using var host = await StartAsync(arguments);
        Console.WriteLine(Ready);
        await BenchChildProcess.InputClosedAsync();

        await host.StopAsync();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
