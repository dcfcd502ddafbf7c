using TrustChain.Engines.RabbitMQ;
using TrustChain.Hosting;

namespace TrustChain.Bench;

/// <summary>Two bench silos and a dispatcher node on RabbitMQ, on a topology prefix of their own.</summary>
internal sealed class RabbitMqCluster : IAsyncDisposable
{
    private readonly List<BenchSilo> _silos;

    private RabbitMqCluster(BenchNode dispatcher, List<BenchSilo> silos)
    {
        Dispatcher = dispatcher;
        _silos = silos;
    }

    public BenchNode Dispatcher { get; }

    public static async Task<RabbitMqCluster> StartAsync(BenchSettings settings)
    {
        var uri = settings.RabbitMqUri ?? throw new InvalidOperationException("No broker.");
        var prefix = $"bench-{Guid.NewGuid():N}"[..14];
        var silos = new List<BenchSilo>();
        for (var i = 1; i <= 2; i++)
        {
            silos.Add(await BenchSilo.StartAsync($"bench-silo-{i}", uri, prefix, settings.SilosInProcess));
        }

        var dispatcher = await BenchNode.StartAsync("bench-dispatcher", b => b.UseRabbitMQ(o => BenchSilo.Configure(o, uri, prefix)));
        var membership = ((RabbitMqTransport)dispatcher.Transport).RabbitMqMembership;
        var workers = BenchTopics.Interested.Concat(BenchTopics.Decliners)
            .Concat(Enumerable.Range(1, BenchTopics.MaxDepth).Select(BenchTopics.NestedWorker)).ToList();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await membership.WaitUntilAsync(m => workers.All(w => m.Workers.Any(x => x.Worker == w && x.Instances.Count >= 2)), timeout.Token);
        return new RabbitMqCluster(dispatcher, silos);
    }

    public async ValueTask DisposeAsync()
    {
        await Dispatcher.DisposeAsync();
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }
}
