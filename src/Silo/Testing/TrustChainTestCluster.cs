using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TrustChain.Engines.InMemory;
using TrustChain.Hosting;

namespace TrustChain.Testing;

/// <summary>
/// Several silos in one process on one in-memory network, like Orleans' in-process test cluster: start silos with
/// the workers under test, dispatch from a client node, stop or kill a silo mid-request.
/// </summary>
/// <example>
/// <code>
/// await using var cluster = new TrustChainTestCluster();
/// await cluster.StartSiloAsync(b => b.AddWorker&lt;MyWorker&gt;());
/// var outcome = await cluster.Client.DispatchAsync("order.placed", new { amount = 5 });
/// </code>
/// </example>
public sealed class TrustChainTestCluster : IAsyncDisposable
{
    private readonly List<TestSilo> _silos = [];
    private readonly Action<TrustChainOptions>? _configure;
    private readonly Action<ILoggingBuilder>? _logging;
    private readonly Action<ITrustChainBuilder> _engine;
    private TestSilo? _client;
    private int _next;

    /// <param name="timeProvider">The clock of every silo; a <see cref="ManualTimeProvider"/> drives time by hand.</param>
    /// <param name="configure">Settings applied to every silo (node ids are set by the cluster).</param>
    /// <param name="logging">Where silos log; nowhere by default.</param>
    /// <param name="engine">Puts every node on an engine; by default the cluster's in-memory <see cref="Network"/>.</param>
    public TrustChainTestCluster(
        TimeProvider? timeProvider = null,
        Action<TrustChainOptions>? configure = null,
        Action<ILoggingBuilder>? logging = null,
        Action<ITrustChainBuilder>? engine = null)
    {
        TimeProvider = timeProvider ?? TimeProvider.System;
        _configure = configure;
        _logging = logging;
        _engine = engine ?? (b => b.UseInMemory(Network));
    }

    public InMemoryNetwork Network { get; } = new();

    public TimeProvider TimeProvider { get; }

    public IReadOnlyList<TestSilo> Silos => _silos;

    /// <summary>A node with no workers, started on first use, to dispatch from as an API would.</summary>
    public ITrustChainDispatcher Client => (_client ?? throw new InvalidOperationException($"Call {nameof(StartAsync)} or {nameof(StartSiloAsync)} first.")).Dispatcher;

    /// <summary>Starts the client node; silos can be added before or after.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default) =>
        _client ??= await StartNodeAsync("client", _ => { }, cancellationToken).ConfigureAwait(false);

    /// <summary>Starts a silo hosting what <paramref name="configure"/> adds (workers, aggregators).</summary>
    public async Task<TestSilo> StartSiloAsync(Action<ITrustChainBuilder> configure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configure);
        await StartAsync(cancellationToken).ConfigureAwait(false);
        var silo = await StartNodeAsync($"silo-{Interlocked.Increment(ref _next)}", configure, cancellationToken).ConfigureAwait(false);
        _silos.Add(silo);
        return silo;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos.Append(_client).OfType<TestSilo>().Reverse())
        {
            await silo.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<TestSilo> StartNodeAsync(string nodeId, Action<ITrustChainBuilder> configure, CancellationToken cancellationToken)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Services.AddLogging(logging => _logging?.Invoke(logging));
        builder.Services.RemoveAll<TimeProvider>();
        builder.Services.AddSingleton(TimeProvider);
        var trustChain = builder.Services.AddTrustChain(options =>
        {
            _configure?.Invoke(options);
            options.NodeId = nodeId;
        });
        _engine(trustChain);
        configure(trustChain);

        var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return new TestSilo(host);
    }
}
