using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.TestingHost;
using TrustChain.Demo;
using TrustChain.Hosting;
using TrustChain.Workers;

namespace TrustChain.Tests.Testing;

/// <summary>
/// TrustChain on Orleans' in-process test cluster: silos started one by one, each hosting the workers the test
/// scripts for it (or the demo workers), every grain clock on <see cref="TimeProvider"/> (Orleans'
/// <see cref="TimeProviderNames.Grains"/>, so grain timers follow a <c>FakeTimeProvider</c>), and a cluster client
/// to dispatch from as an API outside the silos would. A silo can be stopped or killed mid-request.
/// </summary>
public sealed class TrustChainTestCluster : IAsyncDisposable
{
    private readonly Action<TrustChainOptions>? _configure;
    private readonly Action<ILoggingBuilder>? _logging;
    private readonly Action<IServiceCollection>? _services;
    private readonly SemaphoreSlim _starting = new(1, 1);
    private readonly List<TestSilo> _silos = [];
    private InProcessTestCluster? _cluster;
    private SiloSpec? _pending;
    private int _next;

    /// <param name="timeProvider">The clock of every grain and of the dispatchers; a <c>FakeTimeProvider</c> drives it by hand.</param>
    /// <param name="configure">TrustChain settings applied to every silo and to the client.</param>
    /// <param name="logging">Where silos log; nowhere by default.</param>
    /// <param name="services">Services every silo gets (aggregators, a worker's dependencies).</param>
    public TrustChainTestCluster(
        TimeProvider? timeProvider = null,
        Action<TrustChainOptions>? configure = null,
        Action<ILoggingBuilder>? logging = null,
        Action<IServiceCollection>? services = null)
    {
        TimeProvider = timeProvider ?? TimeProvider.System;
        _configure = configure;
        _logging = logging;
        _services = services;
    }

    public TimeProvider TimeProvider { get; }

    public IReadOnlyList<TestSilo> Silos => _silos;

    /// <summary>Orleans' test cluster underneath, started with the first silo.</summary>
    public InProcessTestCluster Orleans => _cluster ?? throw new InvalidOperationException($"Start a silo first ({nameof(StartSiloAsync)}).");

    /// <summary>The cluster client, outside every silo.</summary>
    public IClusterClient GrainClient => Orleans.Client;

    /// <summary>Dispatches from the cluster client, as an API outside the silos would.</summary>
    public ITrustChainDispatcher Client => GrainClient.ServiceProvider.GetRequiredService<ITrustChainDispatcher>();

    /// <summary>Starts a silo hosting the scripted workers given (none: a silo with request grains only).</summary>
    public Task<TestSilo> StartSiloAsync(params ITestWorker[] workers)
    {
        ArgumentNullException.ThrowIfNull(workers);
        foreach (var worker in workers)
        {
            var declared = TrustChainWorkerAttribute.Of(ScriptedGrainClassOf(worker.Name)).WorkerTopics;
            var missing = worker.Topics.Except(declared, StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                throw new ArgumentException($"The grain class of '{worker.Name}' is not subscribed to {string.Join(", ", missing)}; add them to its [TrustChainWorker] in ScriptedWorkerGrains.cs.", nameof(workers));
            }
        }

        return StartAsync(new SiloSpec(workers, Demo: null));
    }

    /// <summary>Starts a silo hosting the demo workers (all, or those named), their ledger and the order aggregator.</summary>
    public Task<TestSilo> StartDemoSiloAsync(params string[] only) =>
        StartAsync(new SiloSpec([], only.Length > 0 ? only : DemoWorkersExtensions.All));

    public async ValueTask DisposeAsync()
    {
        if (_cluster is { } cluster)
        {
            foreach (var silo in _silos)
            {
                silo.MarkStopped();
            }

            await cluster.DisposeAsync().ConfigureAwait(false);
        }

        _starting.Dispose();
    }

    internal async Task StopSiloAsync(TestSilo silo, bool kill)
    {
        if (kill)
        {
            await Orleans.KillSiloAsync(silo.Handle).ConfigureAwait(false);
        }
        else
        {
            await Orleans.StopSiloAsync(silo.Handle).ConfigureAwait(false);
        }

        await WaitForManifestsAsync().ConfigureAwait(false);
    }

    private async Task<TestSilo> StartAsync(SiloSpec spec)
    {
        await _starting.WaitAsync().ConfigureAwait(false);
        try
        {
            _pending = spec;
            InProcessSiloHandle handle;
            if (_cluster is null)
            {
                var cluster = Build();
                await cluster.DeployAsync().ConfigureAwait(false);
                _cluster = cluster;
                handle = cluster.Silos[0];
            }
            else
            {
                handle = await _cluster.StartAdditionalSiloAsync().ConfigureAwait(false);
            }

            var silo = new TestSilo(this, handle, spec.NodeId!);
            _silos.Add(silo);
            await WaitForManifestsAsync().ConfigureAwait(false);
            return silo;
        }
        finally
        {
            _pending = null;
            _starting.Release();
        }
    }

    private InProcessTestCluster Build()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) =>
        {
            var spec = _pending ?? throw new InvalidOperationException("A silo started outside TrustChainTestCluster.StartSiloAsync.");
            spec.NodeId = $"silo-{Interlocked.Increment(ref _next)}";
            host.Logging.ClearProviders();
            _logging?.Invoke(host.Logging);
            host.Services.AddKeyedSingleton(TimeProviderNames.Grains, TimeProvider);
            host.Services.AddSingleton(new ScriptedWorkers(spec.Workers));
            if (spec.Demo is not null)
            {
                host.Services.TryAddSingleton<ReservationLedger>();
                host.Services.AddTrustChainAggregator<OrderSummaryAggregator>();
            }

            _services?.Invoke(host.Services);
        });
        builder.ConfigureSilo((_, silo) =>
        {
            var spec = _pending!;
            silo.AddTrustChain(options =>
            {
                _configure?.Invoke(options);
                options.NodeId = spec.NodeId!;
                options.Workers = [.. spec.Workers.Select(w => w.Name), .. spec.Demo ?? []];
            });
        });
        builder.ConfigureClientHost(host =>
        {
            host.Logging.ClearProviders();
            host.Services.AddKeyedSingleton(TimeProviderNames.Grains, TimeProvider);
        });
        builder.ConfigureClient(client => client.AddTrustChain(options =>
        {
            _configure?.Invoke(options);
            options.NodeId = "client";
        }));
        return builder.Build();
    }

    /// <summary>Until every running silo's cluster manifest lists exactly the running silos: what a request's expected set is read from.</summary>
    private async Task WaitForManifestsAsync()
    {
        var running = _silos.Where(s => s.IsRunning).ToList();
        var addresses = running.Select(s => s.Handle.SiloAddress).ToHashSet();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var silo in running)
        {
            var manifests = silo.Services.GetRequiredService<IClusterManifestProvider>();
            await foreach (var manifest in manifests.Updates.WithCancellation(timeout.Token).ConfigureAwait(false))
            {
                if (manifest.Silos.Count == addresses.Count && manifest.Silos.Keys.All(addresses.Contains))
                {
                    break;
                }
            }
        }
    }

    private static Type ScriptedGrainClassOf(string worker) =>
        typeof(ScriptedWorkerGrain).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(ScriptedWorkerGrain)) && !t.IsAbstract)
            .FirstOrDefault(t => TrustChainWorkerAttribute.Of(t).Name == worker)
            ?? throw new ArgumentException($"No scripted worker grain class is named '{worker}'; add one to ScriptedWorkerGrains.cs.", nameof(worker));

    private sealed record SiloSpec(IReadOnlyList<ITestWorker> Workers, IReadOnlyList<string>? Demo)
    {
        public string? NodeId { get; set; }
    }
}
