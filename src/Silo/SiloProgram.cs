using Microsoft.Extensions.Hosting;
using TrustChain.Demo;
using TrustChain.Demo.Hosting;
using TrustChain.Hosting;

namespace TrustChain.Silo;

/// <summary>
/// The silo executable: a Generic Host running an Orleans silo with TrustChain and the demo workers (all, or those
/// named in <c>TrustChain:Workers</c>). Several such processes on one machine join through localhost clustering
/// (<c>Orleans:SiloPort</c>, <c>Orleans:GatewayPort</c>, <c>Orleans:PrimarySiloPort</c>).
/// </summary>
public static class SiloProgram
{
    public static async Task Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.UseOrleans(silo => silo
            .UseDemoClustering(builder.Configuration)
            .AddTrustChain()
            .AddDemoWorkers());
        builder.Services.AddTrustChainOtlpExport(builder.Configuration, "trustchain-silo");
        await builder.Build().RunAsync().ConfigureAwait(false);
    }
}
