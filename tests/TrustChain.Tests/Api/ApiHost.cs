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

    /// <summary>An API that also hosts <paramref name="probe"/>, which blocks its work until the test releases it.</summary>
    public static ApiHost WithProbe(ProbeWorker probe, IReadOnlyDictionary<string, string?>? settings = null) =>
        new(settings, b => b.AddWorker(probe));
}
