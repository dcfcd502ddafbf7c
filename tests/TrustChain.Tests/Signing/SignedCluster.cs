using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using TrustChain.Engines.InMemory;
using TrustChain.Hosting;
using TrustChain.Messages;
using TrustChain.Runtime;
using TrustChain.Serialization;
using TrustChain.Signing;
using TrustChain.Testing;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Signing;

/// <summary>
/// An in-memory cluster under <see cref="SigningPolicy.Signed"/>: an owner silo that dispatches, a silo hosting the
/// workers, and a rogue node on the same network that can send the owner whatever it likes.
/// </summary>
internal sealed class SignedCluster : IAsyncDisposable
{
    public const string Topic = "order.placed";

    private readonly TrustChainTestCluster _cluster;
    private readonly List<HoldingWorker> _workers;

    private SignedCluster(TrustChainTestCluster cluster, InMemoryNetwork network, List<HoldingWorker> workers)
    {
        _cluster = cluster;
        Network = network;
        _workers = workers;
        Rogue = new InMemoryTransport(network, "rogue", NullLogger<InMemoryTransport>.Instance);
    }

    public InMemoryNetwork Network { get; }

    public TestSilo Owner { get; private set; } = null!;

    public TestSilo WorkerSilo { get; private set; } = null!;

    /// <summary>A node that is no TrustChain node: it only sends what a test forges.</summary>
    public InMemoryTransport Rogue { get; }

    public static async Task<SignedCluster> StartAsync(
        IEnumerable<HoldingWorker> workers,
        Action<SigningOptions>? owner = null,
        Action<SigningOptions>? workerSilo = null)
    {
        var network = new InMemoryNetwork();
        var cluster = new TrustChainTestCluster(
            configure: o =>
            {
                // Interest closes on verdicts and requests end on results, never on a clock running late.
                o.InterestWindow = TimeSpan.FromMinutes(2);
                o.DefaultTimeout = TimeSpan.FromMinutes(2);
            },
            engine: b =>
            {
                b.UseInMemory(network);
                b.Services.Configure<SigningOptions>(o => o.Policy = SigningPolicy.Signed);
            });
        var hosted = workers.ToList();
        var signed = new SignedCluster(cluster, network, hosted);
        signed.Owner = await cluster.StartSiloAsync(b => b.Services.Configure(owner ?? (_ => { }))).Guarded();
        signed.WorkerSilo = await cluster.StartSiloAsync(b =>
        {
            b.Services.Configure(workerSilo ?? (_ => { }));
            foreach (var worker in hosted)
            {
                b.AddWorker(worker);
            }
        }).Guarded();
        await signed.Rogue.StartAsync(_ => ValueTask.CompletedTask, CancellationToken.None).Guarded();
        return signed;
    }

    public Task<IRequestHandle> StartAsync(object payload) =>
        Owner.Dispatcher.StartAsync(Topic, TrustChainJson.ToElement(payload)).Guarded();

    public RequestActivation Activation(RequestId id) =>
        Owner.Services.GetRequiredService<RequestRegistry>().TryGet(id, out var activation) ? activation : throw new InvalidOperationException($"{id} is not known at its owner.");

    /// <summary>Sends a forged message to the owner and returns once the owner's grain has listed one more rejection.</summary>
    public async Task<RejectedReply> ForgeAsync(TrustChainMessage message)
    {
        var activation = Activation(message.RequestId);
        var before = activation.Snapshot().Rejected.Count;
        await Rogue.SendAsync(Owner.NodeId, message, CancellationToken.None);
        var state = await activation.WaitForAsync(o => o.Rejected.Count > before).Guarded();
        return state.Rejected[before];
    }

    /// <summary>The real private key of a hosted worker, as a thief who stole it would use it.</summary>
    public WorkerKey KeyOf(string worker) => WorkerSilo.Services.GetRequiredService<WorkerKeyRing>().For(worker);

    public TrustStore OwnerTrust => Owner.Services.GetRequiredService<TrustStore>();

    public static ResultMessage Result(RequestId id, string worker, object payload, ReplySignature? signature = null, string topic = Topic) =>
        new(id, topic, worker, "rogue", true, TrustChainJson.ToElement(payload), null, [], DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, signature);

    /// <summary>The signature <paramref name="key"/> makes over <paramref name="result"/>, claiming <paramref name="keyId"/>.</summary>
    public static ReplySignature SignWith(ECDsa key, string keyId, ResultMessage result) =>
        ReplySignatures.Sign(key, keyId, result.Worker, CanonicalOf(result));

    public static byte[] CanonicalOf(ResultMessage result) =>
        ReplyCanonicalForm.ForResult(result.RequestId, result.Topic, result.Worker, result.Succeeded, result.Payload, result.Error, result.Children.Select(c => c.RequestId));

    /// <summary>Every public key membership announces, as <see cref="OutcomeVerifier"/> takes them.</summary>
    public IEnumerable<KeyValuePair<string, string>> AnnouncedKeys() =>
        Network.Workers.SelectMany(w => Network.PublicKeysOf(w.Worker).Select(k => KeyValuePair.Create(w.Worker, k)));

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            worker.Release.TrySetResult();
        }

        await Rogue.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    public static JsonElement Payload(RequestOutcome outcome, string worker) =>
        outcome.ResultOf(worker)?.Payload ?? throw new InvalidOperationException($"No payload from {worker}.");
}
