using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Hosting;
using TrustChain.Messages;
using TrustChain.Runtime;
using TrustChain.Serialization;
using TrustChain.Signing;
using TrustChain.Testing;
using TrustChain.Tests.Cluster;
using TrustChain.Tests.Signing;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>Fraud prevention across the broker, where signing is on by default.</summary>
public sealed class RabbitMqSigningTests
{
    private const string Topic = "order.placed";

    [Fact]
    public async Task A_forged_announcement_of_a_pinned_worker_is_refused_and_forged_or_unsigned_results_never_count()
    {
        await RabbitMqBroker.EnsureReachableAsync();
        using var honestKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var folder = Directory.CreateTempSubdirectory("trustchain-keys-");
        var engine = new RabbitMqTestEngine();
        var alpha = new HoldingWorker("alpha", Topic);
        try
        {
            var path = Path.Combine(folder.FullName, "alpha.pem");
            await File.WriteAllTextAsync(path, honestKey.ExportPkcs8PrivateKeyPem());
            await using var cluster = new TrustChainTestCluster(
                configure: o =>
                {
                    o.InterestWindow = TimeSpan.FromMinutes(2);
                    o.DefaultTimeout = TimeSpan.FromMinutes(2);
                },
                engine: engine.Apply);
            var owner = await cluster.StartSiloAsync(b => b.Services.Configure<SigningOptions>(o => o.TrustedKeys["alpha"] = honestKey.ExportSubjectPublicKeyInfoPem())).Guarded();
            await cluster.StartSiloAsync(b =>
            {
                b.Services.Configure<SigningOptions>(o => o.Keys["alpha"] = path);
                b.AddWorker(alpha);
            }).Guarded();

            // A node nobody started announces itself as an instance of alpha, with a key of its own.
            using var rogueKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var announcement = new MembershipAnnouncement("rogue-node", [new AnnouncedWorker("alpha", [Topic], Convert.ToBase64String(rogueKey.ExportSubjectPublicKeyInfo()))], TimeSpan.FromMinutes(10), DateTimeOffset.UtcNow);
            await RabbitMqBroker.PublishRawAsync(engine.Topology.MembershipExchange, string.Empty, RabbitMqWire.Encode(announcement));
            var ownerTransport = (RabbitMqTransport)owner.Services.GetRequiredService<ITransport>();
            await ownerTransport.RabbitMqMembership.WaitUntilAsync(m => m.PublicKeysOf("alpha").Count == 2, CancellationToken.None).Guarded();

            // The echo's text must cross the wire to the byte for the signature over it to verify.
            var payload = System.Text.Json.JsonDocument.Parse("""{ "hold": true, "n": 7, "echo": { "text": "\u00e9<+>&'\"\u2028 \ud83d\ude00", "amount": 1.50e3, "list": [ ] } }""").RootElement;
            var handle = await owner.Dispatcher.StartAsync(Topic, payload).Guarded();
            await alpha.Holding.Task.Guarded();
            Assert.True(owner.Services.GetRequiredService<RequestRegistry>().TryGet(handle.RequestId, out var activation));

            var forged = new ResultMessage(handle.RequestId, Topic, "alpha", "rogue-node", true, TrustChainJson.ToElement(new { n = 666 }), null, [], DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
            var signed = forged with { Signature = ReplySignatures.Sign(rogueKey, ReplySignatures.KeyIdOf(rogueKey), "alpha", SignedCluster.CanonicalOf(forged)) };
            await RabbitMqBroker.PublishRawAsync(string.Empty, engine.Topology.NodeQueue(owner.NodeId), RabbitMqWire.Encode(signed));
            await RabbitMqBroker.PublishRawAsync(string.Empty, engine.Topology.NodeQueue(owner.NodeId), RabbitMqWire.Encode(forged));
            var state = await activation.WaitForAsync(o => o.Rejected.Count == 2).Guarded();

            Assert.Equal([RejectionReason.UnknownSigner, RejectionReason.Unsigned], state.Rejected.Select(r => r.Reason));
            Assert.Contains(("alpha", ReplySignatures.KeyIdOf(rogueKey)), owner.Services.GetRequiredService<TrustStore>().Refused);

            alpha.Release.SetResult();
            var outcome = await handle.Outcome.Guarded();
            Assert.Equal(RequestStatus.Completed, outcome.Status);
            Assert.Equal(7, outcome.ResultOf("alpha")!.Payload!.Value.GetProperty("n").GetInt32());
            Assert.Equal("\u00e9<+>&'\"\u2028 \ud83d\ude00", outcome.ResultOf("alpha")!.Payload!.Value.GetProperty("echo").GetProperty("text").GetString());
            using var verifier = new OutcomeVerifier([KeyValuePair.Create("alpha", honestKey.ExportSubjectPublicKeyInfoPem())]);
            Assert.Empty(verifier.Verify(outcome));
        }
        finally
        {
            alpha.Release.TrySetResult();
            folder.Delete(recursive: true);
        }
    }
}
