using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TrustChain.Tests.Redis;

/// <summary>
/// TrustChain as shipped, as separate processes on one Redis: silo processes (<c>TrustChain.Silo.dll</c>) and API
/// nodes (<c>TrustChain.Api.dll</c>, Orleans clients), each on free ports, all under a cluster and service id of this
/// cluster's own, so that tests sharing one Redis never see each other. Settings make failover quick and visible:
/// Orleans declares a silo dead after two missed one-second probes, calls give up after 10 s, a lease is 3 s, and the
/// request grains log where they are dispatched.
/// </summary>
public sealed class ProcessCluster(string redis, IReadOnlyDictionary<string, string>? settings = null) : IAsyncDisposable
{
    private readonly List<NodeProcess> _processes = [];
    private readonly List<HttpClient> _clients = [];

    public string ClusterId { get; } = "t" + Guid.NewGuid().ToString("N")[..12];

    public string Redis => redis;

    public IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Orleans:Membership:ProbeTimeout"] = "00:00:01",
        ["Orleans:Membership:NumMissedProbesLimit"] = "2",
        ["Orleans:Messaging:ResponseTimeout"] = "00:00:10",
        ["TrustChain:WatchPollWait"] = "00:00:04",
        ["TrustChain:LeaseDuration"] = "00:00:03",
        // Interest closes on the verdicts; the window only bounds a verdict that never comes.
        ["TrustChain:InterestWindow"] = "00:00:10",
        ["TrustChain:DefaultTimeout"] = "00:01:00",
        ["Logging:LogLevel:TrustChain.Grains.RequestGrain"] = "Debug",
        ["Logging:LogLevel:TrustChain.Dispatch"] = "Information",
    }.Concat(settings ?? new Dictionary<string, string>()).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);

    /// <summary>Starts a silo hosting every demo worker (or those named) and returns once it says it is ready.</summary>
    public async Task<NodeProcess> StartSiloAsync(string name, params string[] workers)
    {
        var (siloPort, gatewayPort) = (FreePorts.Take(), FreePorts.Take());
        var arguments = Common().Concat(
        [
            $"--Orleans:Endpoints:SiloPort={siloPort}",
            $"--Orleans:Endpoints:GatewayPort={gatewayPort}",
            "--Orleans:Endpoints:AdvertisedIPAddress=127.0.0.1",
            "--urls=http://127.0.0.1:0",
        ]).Concat(workers.Select((w, i) => $"--TrustChain:Workers:{i}={w}"));
        var silo = Launch(name, Build.Silo, arguments);
        await silo.WaitForTextAsync("TrustChain silo ready");
        return silo;
    }

    /// <summary>
    /// Starts an API node and returns once it listens and its cluster view shows <paramref name="silos"/> silos
    /// hosting workers (the line it logs at every change of its view).
    /// </summary>
    public async Task<ApiNode> StartApiAsync(string name, int silos)
    {
        var port = FreePorts.Take();
        var url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        var api = Launch(name, Build.Api, Common().Concat([$"--urls={url}", $"--TrustChain:NodeId={name}"]));
        await api.WaitForTextAsync("TrustChain api ready");
        await api.WaitForTextAsync($"TrustChain cluster view: {silos} silo(s) host workers");
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = ProcessSafety.Timeout };
        _clients.Add(client);
        return new ApiNode(api, client);
    }

    /// <summary>The silo that logged the dispatch of <paramref name="requestId"/>: where its grain lives.</summary>
    public static async Task<NodeProcess> HolderOfAsync(string requestId, IEnumerable<NodeProcess> silos)
    {
        var candidates = silos.ToList();
        var found = await Task.WhenAny(candidates.Select(async s =>
        {
            await s.WaitForTextAsync($"Dispatched {requestId} ");
            return s;
        }));
        return await found;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        // Every process's output is kept next to the test assembly, to read after a failure.
        var folder = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts", "processes")).FullName;
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
            await File.WriteAllTextAsync(Path.Combine(folder, $"{ClusterId}-{process.Name}.log"), process.Output);
        }
    }

    private IEnumerable<string> Common() =>
        new[] { $"--ConnectionStrings:redis={redis}", $"--Orleans:ClusterId={ClusterId}", $"--Orleans:ServiceId={ClusterId}" }
            .Concat(Settings.Select(s => $"--{s.Key}={s.Value}"));

    private NodeProcess Launch(string name, string dll, IEnumerable<string> arguments)
    {
        var process = NodeProcess.Start(name, "dotnet", new[] { dll }.Concat(arguments));
        _processes.Add(process);
        return process;
    }
}

/// <summary>An API node process and an HTTP client of it.</summary>
public sealed record ApiNode(NodeProcess Process, HttpClient Http);

/// <summary>Where the build put the silo and API executables: next to the sources, in this test run's configuration.</summary>
public static class Build
{
    public static string Silo => Find("Silo", "TrustChain.Silo.dll");

    public static string Api => Find("Api", "TrustChain.Api.dll");

    private static string Find(string project, string dll)
    {
        // tests/TrustChain.Tests/bin/<Configuration>/<tfm>/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = here.Name;
        var configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "TrustChain.slnx")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException($"No TrustChain.slnx above {AppContext.BaseDirectory}.");
        }

        var path = Path.Combine(root.FullName, "src", project, "bin", configuration, tfm, dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} is not built at {path}; build the solution first (dotnet build TrustChain.slnx -c {configuration}).", path);
    }
}

/// <summary>Ports free now and never handed out twice in this test run.</summary>
public static class FreePorts
{
    private static readonly HashSet<int> HandedOut = [];

    public static int Take()
    {
        lock (HandedOut)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}

/// <summary>
/// The Redis the process tests use: <c>TRUSTCHAIN_TEST_REDIS</c> (host:port), which <c>scripts/test.sh</c> sets to a
/// private redis-server it starts for the run. A test that needs Redis fails without it; it never skips.
/// </summary>
public static class TestRedis
{
    public const string Variable = "TRUSTCHAIN_TEST_REDIS";

    public static string Address => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } address
        ? address
        : throw new InvalidOperationException($"{Variable} is not set: run bash scripts/test.sh, which starts a private redis-server, or set it to host:port of one.");

    /// <summary>
    /// A redis-server of the test's own (the binary on PATH, or <c>TRUSTCHAIN_TEST_REDIS_SERVER</c>), on a free port,
    /// its data in a fresh folder, every write appended and synced to disk before it is acknowledged, so that it can be
    /// killed and started again without losing what it had acknowledged.
    /// </summary>
    public static async Task<OwnRedis> StartOwnAsync()
    {
        var own = new OwnRedis(FreePorts.Take(), Directory.CreateTempSubdirectory("trustchain-redis-").FullName);
        await own.StartAsync();
        return own;
    }
}

public sealed class OwnRedis(int port, string folder) : IAsyncDisposable
{
    private NodeProcess? _server;

    public string Address => $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";

    public async Task StartAsync()
    {
        var binary = Environment.GetEnvironmentVariable("TRUSTCHAIN_TEST_REDIS_SERVER") is { Length: > 0 } configured ? configured : "redis-server";
        _server = NodeProcess.Start("redis", binary,
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", folder, "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"]);
        await _server.WaitForTextAsync("Ready to accept connections");
    }

    /// <summary>kill -9 of the server.</summary>
    public Task KillAsync() => _server?.KillAsync() ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
