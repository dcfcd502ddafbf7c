using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TrustChain.Hosting;

namespace TrustChain.Bench;

/// <summary>
/// <c>TrustChain.Bench worker --TrustChain:…</c>: a silo process hosting the bench workers, configured like the silo
/// executable. It stops when its standard input closes, so it never outlives the bench that started it.
/// </summary>
internal static class WorkerMode
{
    public static async Task RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddTrustChain().AddBenchWorkers();
        using var host = builder.Build();
        await host.StartAsync();
        Console.WriteLine("bench worker started");
        while (await Console.In.ReadLineAsync() is not null)
        {
        }

        await host.StopAsync();
    }
}
