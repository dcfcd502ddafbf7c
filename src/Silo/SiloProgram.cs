using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TrustChain.Hosting;
using TrustChain.Runtime;
using TrustChain.Silo.Demo;

namespace TrustChain.Silo;

/// <summary>
/// The silo executable: a Generic Host that is a TrustChain node hosting the demo workers (all, or those named in
/// <c>TrustChain:Workers</c>), on the engine named by <c>TrustChain:Transport</c>. Two silo processes on RabbitMQ are
/// two instances of each worker.
/// </summary>
public static class SiloProgram
{
    public static async Task Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        var only = builder.Configuration.GetSection("TrustChain:Workers").Get<string[]>();
        builder.Services.AddTrustChain().AddDemoWorkers(only is { Length: > 0 } ? only : null);
        builder.Services.AddTrustChainOtlpExport(builder.Configuration, "trustchain-silo");

        if (builder.Configuration["TrustChain:HealthFile"] is { Length: > 0 } healthFile)
        {
            builder.Services.AddHostedService(sp => new SiloHealthFile(
                healthFile, sp.GetRequiredService<ITransport>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SiloHealthFile>>()));
        }

        await builder.Build().RunAsync().ConfigureAwait(false);
    }
}
