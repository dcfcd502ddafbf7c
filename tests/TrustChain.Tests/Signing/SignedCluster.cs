using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TrustChain.Messages;
using TrustChain.Serialization;
using TrustChain.Signing;
using TrustChain.Tests.Cluster;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Signing;

/// <summary>
/// An Orleans test cluster under <see cref="SigningPolicy.Signed"/>: an owner silo that dispatches and a silo hosting
/// the workers (more can join, e.g. a rogue one). A forger is anyone who can call a request's grain: the test calls
/// <see cref="IRequestGrain.OnVerdictAsync"/> and <see cref="IRequestGrain.OnResultAsync"/> from the cluster client
/// with whatever it likes. The grain clock is a <see cref="FakeTimeProvider"/> nobody advances: interest closes on
/// verdicts and requests end on results, never on a clock.
/// </summary>
internal sealed class SignedCluster : IAsyncDisposable
{
    public const string Topic = "signing.order";

    public const string AuditTopic = "signing.audit";

    public const string InnerTopic = "signing.inner";

    private readonly TrustChainTestCluster _cluster;
    private readonly List<HoldingWorker> _hosted = [];
    private readonly List<HoldingWorker> _all = [];

    // The signing settings of the silo being started: silos start one at a time, each reads this as it is built.
    private Action<SigningOptions>? _starting;

    private SignedCluster(Action<SigningOptions>? everySilo)
    {
        _cluster = new TrustChainTestCluster(
            new FakeTimeProvider(DateTimeOffset.UtcNow),
            services: services =>
            {
                var own = _starting;
                services.Configure<SigningOptions>(o =>
                {
                    o.Policy = SigningPolicy.Signed;
                    everySilo?.Invoke(o);
                    own?.Invoke(o);
                });
            });
    }

    public TestSilo Owner { get; private set; } = null!;

    public TestSilo WorkerSilo { get; private set; } = null!;

    /// <param name="workers">The workers of the worker silo.</param>
    /// <param name="owner">Signing settings of the owner silo only (what its dispatcher demands).</param>
    /// <param name="workerSilo">Signing settings of the worker silo only (its keys, whether it signs).</param>
    /// <param name="everySilo">Signing settings of every silo (e.g. a pinned key: a request's grain may live on either).</param>
    public static async Task<SignedCluster> StartAsync(
        IEnumerable<HoldingWorker> workers,
        Action<SigningOptions>? owner = null,
        Action<SigningOptions>? workerSilo = null,
        Action<SigningOptions>? everySilo = null)
    {
        var signed = new SignedCluster(everySilo);
        try
        {
            signed.Owner = await signed.StartSiloAsync(owner).Guarded();
            var hosted = workers.ToArray();
            signed._hosted.AddRange(hosted);
            signed.WorkerSilo = await signed.StartSiloAsync(workerSilo, hosted).Guarded();
            return signed;
        }
        catch
        {
            await signed.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more silo, with its own signing settings, hosting <paramref name="workers"/>.</summary>
    public async Task<TestSilo> StartSiloAsync(Action<SigningOptions>? signing, params HoldingWorker[] workers)
    {
        _all.AddRange(workers);
        _starting = signing;
        try
        {
            return await _cluster.StartSiloAsync([.. workers.Cast<ITestWorker>()]);
        }
        finally
        {
            _starting = null;
        }
    }

    /// <summary>The worker silo's script of <paramref name="name"/>.</summary>
    public HoldingWorker Worker(string name) => _hosted.Single(w => w.Name == name);

    public IReadOnlyList<HoldingWorker> HostedWorkers => _hosted;

    public Task<IRequestHandle> StartAsync(object payload) =>
        Owner.Dispatcher.StartAsync(Topic, TrustChainJson.ToElement(payload)).Guarded();

    /// <summary>The request's state once <paramref name="condition"/> holds, as its grain reports it.</summary>
    public Task<RequestOutcome> WaitForAsync(RequestId id, Func<RequestOutcome, bool> condition) =>
        _cluster.GrainClient.WaitForRequestAsync(id, condition).Guarded();

    /// <summary>Sends a forged result to the request's grain; returns the rejection its grain listed for it.</summary>
    public async Task<RejectedReply> ForgeAsync(ResultMessage result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var grain = _cluster.GrainClient.GetGrain<IRequestGrain>(result.RequestId.Value);
        var before = await RejectedCountAsync(grain);
        var reason = await grain.OnResultAsync(result).Guarded();
        var rejected = await RejectedAsync(grain, before);
        Assert.Equal(rejected.Reason, reason);
        return rejected;
    }

    /// <summary>Sends a forged verdict to the request's grain; returns the rejection its grain listed for it.</summary>
    public async Task<RejectedReply> ForgeAsync(VerdictMessage verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var grain = _cluster.GrainClient.GetGrain<IRequestGrain>(verdict.RequestId.Value);
        var before = await RejectedCountAsync(grain);
        var reply = await grain.OnVerdictAsync(verdict).Guarded();
        var rejected = await RejectedAsync(grain, before);

        // The refusal goes back to whoever called, the forger: never to the instance the verdict names.
        Assert.False(reply.Accepted);
        Assert.Equal(rejected.Reason, reply.Reason);
        return rejected;
    }

    /// <summary>Sends a reply the grain is expected to take as it comes; null when it did.</summary>
    public Task<RejectionReason?> SendAsync(ResultMessage result) =>
        _cluster.GrainClient.GetGrain<IRequestGrain>(result.RequestId.Value).OnResultAsync(result).Guarded();

    /// <summary>The real private key of a hosted worker, as a thief who stole it would use it.</summary>
    public WorkerKey KeyOf(string worker) => WorkerSilo.Services.GetRequiredService<WorkerKeyRing>().For(worker);

    public TrustStore OwnerTrust => Owner.Services.GetRequiredService<TrustStore>();

    /// <summary>The workers as the owner's view of the cluster manifest lists them, public keys included.</summary>
    public WorkerCatalog OwnerCatalog => Owner.Services.GetRequiredService<WorkerCatalog>();

    /// <summary>The worker silo's instance name, as its replies carry it.</summary>
    public string WorkerInstance => WorkerSilo.Handle.SiloAddress.ToParsableString();

    public static ResultMessage Result(RequestId id, string worker, object payload, ReplySignature? signature = null, string topic = Topic) =>
        new(id, topic, worker, "rogue", true, TrustChainJson.ToElement(payload), null, [], DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, signature);

    /// <summary>The signature <paramref name="key"/> makes over <paramref name="result"/>, claiming <paramref name="keyId"/>.</summary>
    public static ReplySignature SignWith(ReplySigningKey key, string keyId, ResultMessage result)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Sign(result.Worker, CanonicalOf(result)) with { KeyId = keyId };
    }

    public static byte[] CanonicalOf(ResultMessage result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return ReplyCanonicalForm.ForResult(result.RequestId, result.Topic, result.Worker, result.Succeeded, result.Payload, result.Error, result.Children);
    }

    /// <summary>Every public key the cluster manifest announces, as <see cref="OutcomeVerifier"/> takes them.</summary>
    public IEnumerable<KeyValuePair<string, string>> AnnouncedKeys() =>
        OwnerCatalog.Workers.SelectMany(w => w.PublicKeys.Select(k => KeyValuePair.Create(w.Worker, k))).ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _all)
        {
            worker.Abandon();
        }

        await _cluster.DisposeAsync();
    }

    public static JsonElement Payload(RequestOutcome outcome, string worker) =>
        outcome.ResultOf(worker)?.Payload ?? throw new InvalidOperationException($"No payload from {worker}.");

    private static async Task<int> RejectedCountAsync(IRequestGrain grain) =>
        ((await grain.GetAsync().Guarded()) ?? throw new InvalidOperationException("The request is not known.")).Snapshot.Rejected.Count;

    private static async Task<RejectedReply> RejectedAsync(IRequestGrain grain, int before)
    {
        var rejected = ((await grain.GetAsync().Guarded()) ?? throw new InvalidOperationException("The request is not known.")).Snapshot.Rejected;
        Assert.Equal(before + 1, rejected.Count);
        return rejected[before];
    }
}
