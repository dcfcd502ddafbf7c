using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using TrustChain.Hosting;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Api;

/// <summary>
/// The API as shipped, hosted for one test with its own settings (<c>TrustChain:...</c> keys) and, optionally, extra
/// workers or another engine. On the embedded engine it co-hosts the demo workers, as the real one does.
/// </summary>
public sealed class ApiHost(IReadOnlyDictionary<string, string?>? settings = null, Action<ITrustChainBuilder>? configure = null) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Interest closes on the workers' verdicts, never because a loaded machine let a short window pass.
        builder.UseSetting("TrustChain:DefaultTimeout", "00:02:00");
        builder.UseSetting("TrustChain:InterestWindow", "00:02:00");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services => configure?.Invoke(services.AddTrustChain()));
    }

    /// <summary>
    /// Runs <paramref name="test"/> against an API that also hosts a worker <c>probe</c> on <c>probe.run</c> whose work
    /// blocks until the test releases it; blocked steps are let go at the end, so a failed test still shuts down.
    /// </summary>
    public static async Task WithBlockingProbeAsync(Func<HttpClient, ProbeWorker, Task> test, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(test);
        var probe = new ProbeWorker("probe", "probe.run") { Blocks = true };
        await using var host = new ApiHost(settings, b => b.AddWorker(probe));
        using var client = host.CreateClient();
        try
        {
            await test(client, probe);
        }
        finally
        {
            probe.Abandon();
        }
    }
}
