using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using TrustChain.Hosting;
using TrustChain.Silo.Demo;

namespace TrustChain.Silo;

/// <summary>The silo executable: a Generic Host that is a TrustChain node hosting the demo workers.</summary>
public static class SiloProgram
{
    public static async Task Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        var only = builder.Configuration.GetSection("TrustChain:Workers").Get<string[]>();
        builder.Services.AddTrustChain().AddDemoWorkers(only is { Length: > 0 } ? only : null);
        await builder.Build().RunAsync().ConfigureAwait(false);
    }
}
