using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using TrustChain.Demo;
using TrustChain.Demo.Hosting;
using TrustChain.Tests.Cluster;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Api;

/// <summary>
/// The API as shipped, hosted for one test: its own Orleans silo in the process (localhost clustering on ports of its
/// own, so hosts run side by side), hosting the demo workers and the scripted workers given, with the test's
/// settings (<c>TrustChain:...</c> keys). Given <paramref name="joining"/>, its silo joins that host's cluster
/// (<c>Orleans:Localhost:PrimarySiloPort</c>); given <paramref name="clock"/>, every grain timer runs on it.
/// </summary>
/// <param name="clock">Orleans' grain clock (<see cref="TimeProviderNames.Grains"/>), e.g. a <c>FakeTimeProvider</c>.</param>
/// <param name="workers">Scripted workers this host's silo plays, besides the demo workers; each needs its grain class.</param>
/// <param name="services">More test services (a grain call filter, Orleans options).</param>
public sealed class ApiHost(
    IReadOnlyDictionary<string, string?>? settings = null,
    TimeProvider? clock = null,
    IReadOnlyList<ITestWorker>? workers = null,
    ApiHost? joining = null,
    Action<IServiceCollection>? services = null) : WebApplicationFactory<Program>
{

    private readonly (int Silo, int Gateway) _ports = LoopbackPorts.TakeSiloAndGateway();
    private readonly IReadOnlyList<ITestWorker> _workers = workers ?? [];

    /// <summary>The port of this host's silo.</summary>
    public int SiloPort => _ports.Silo;

    /// <summary>The port of this host's Orleans gateway.</summary>
    public int GatewayPort => _ports.Gateway;

    /// <summary>The TrustChain node id of this host: the request ids it dispatches start with it.</summary>
    public string NodeId => Services.GetRequiredService<IOptions<TrustChainOptions>>().Value.NodeId;

    /// <summary>Starts the host and returns a client once its silo is active in a cluster of <paramref name="silos"/> silos.</summary>
    public async Task<HttpClient> StartAsync(int silos = 1)
    {
        var client = CreateClient();
        try
        {
            await WaitForClusterAsync(silos);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Until this host's cluster manifest lists its own silo, active, among exactly <paramref name="silos"/> silos:
    /// from then on the workers those silos host are the expected workers of a new request, and <c>/readyz</c> is
    /// ready. Starts the host if it is not yet started.
    /// </summary>
    public async Task WaitForClusterAsync(int silos = 1)
    {
        var local = Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        Assert.Equal(SiloPort, local.Endpoint.Port);
        var manifests = Services.GetRequiredService<IClusterManifestProvider>();
        using var timeout = new CancellationTokenSource(Safety.Timeout);
        await foreach (var manifest in manifests.Updates.WithCancellation(timeout.Token))
        {
            if (manifest.Silos.Count == silos && manifest.Silos.ContainsKey(local))
            {
                return;
            }
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Interest closes on the workers' verdicts here, never because a loaded machine let the clock run past a
        // one-second window. The window is also longer than the tests' safety timeout, so an answer that waited for
        // it (instead of for the last verdict) fails the test.
        builder.UseSetting("TrustChain:DefaultTimeout", "00:02:00");
        builder.UseSetting("TrustChain:InterestWindow", "00:02:00");
        builder.UseSetting("Orleans:Endpoints:SiloPort", SiloPort.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:Endpoints:GatewayPort", GatewayPort.ToString(CultureInfo.InvariantCulture));
        if (joining is not null)
        {
            builder.UseSetting("Orleans:Localhost:PrimarySiloPort", joining.SiloPort.ToString(CultureInfo.InvariantCulture));
        }

        // The demo workers and this test's scripted workers, and no other worker grain class of the test assembly.
        var hosted = DemoWorkersExtensions.All.Concat(_workers.Select(w => w.Name)).ToList();
        for (var i = 0; i < hosted.Count; i++)
        {
            builder.UseSetting($"TrustChain:Workers:{i}", hosted[i]);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.ClearProviders());
        builder.ConfigureTestServices(testServices =>
        {
            if (clock is not null)
            {
                testServices.AddKeyedSingleton(TimeProviderNames.Grains, clock);
            }

            testServices.AddSingleton(new ScriptedWorkers(_workers));
            services?.Invoke(testServices);
        });
    }

    /// <summary>
    /// Runs <paramref name="test"/> against an API that also hosts the worker <c>probe</c> on <c>probe.run</c>, whose
    /// work blocks until the test releases it; blocked work is let go at the end, so a failed test still shuts down.
    /// </summary>
    public static async Task WithBlockingProbeAsync(Func<HttpClient, BlockingProbe, Task> test, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(test);
        var probe = new BlockingProbe();
        await using var host = new ApiHost(settings, workers: [probe]);
        using var client = await host.StartAsync();
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

/// <summary>One API host shared by the tests of a class, its silo ready before the first of them.</summary>
public class ApiFixture : IAsyncLifetime
{
    public ApiFixture()
        : this(null)
    {
    }

    protected ApiFixture(IReadOnlyDictionary<string, string?>? settings) => Host = new ApiHost(settings);

    public ApiHost Host { get; }

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync() => Client = await Host.StartAsync();

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>The shared API host with <c>TrustChain:Signing:Policy = Signed</c>.</summary>
public sealed class SignedApiFixture() : ApiFixture(new Dictionary<string, string?> { ["TrustChain:Signing:Policy"] = "Signed" });
