using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;
using TrustChain.Messages;
using TrustChain.Serialization;
using TrustChain.Signing;
using TrustChain.Telemetry;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Signing;

/// <summary>
/// Fraud prevention on a live cluster (DESIGN.md, "Fraud prevention"): under the Signed policy every forged,
/// replayed, undeclared, second or unsigned reply is rejected and listed, and the honest workers' request still
/// completes with their own, verifiable results.
/// </summary>
public sealed class SignedReplyTests
{
    private static readonly object Hold = new { hold = true, n = 7 };

    [Fact]
    public async Task An_honest_request_completes_with_every_verdict_and_result_signed_and_the_outcome_verifies()
    {
        await using var cluster = await SignedCluster.StartAsync([new HoldingWorker("alpha", SignedCluster.Topic), new HoldingWorker("beta", SignedCluster.Topic) { Interested = false }]);

        var outcome = await (await cluster.StartAsync(new { n = 3 })).Outcome.Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Empty(outcome.Rejected);
        var alpha = Assert.Single(outcome.Results);
        Assert.Equal(3, alpha.Payload!.Value.GetProperty("n").GetInt32());
        Assert.Equal("alpha", alpha.Signature?.Signer);
        Assert.Equal(cluster.KeyOf("alpha").KeyId, alpha.Signature?.KeyId);
        Assert.Equal(ReplyAlgorithms.Ed25519, alpha.Signature?.Algorithm); // the algorithm of generated keys
        Assert.Equal(["alpha", "beta"], outcome.Verdicts.Select(v => v.Worker).Order(StringComparer.Ordinal));
        Assert.All(outcome.Verdicts, v => Assert.NotNull(v.Signature));

        using var verifier = new OutcomeVerifier(cluster.AnnouncedKeys());
        Assert.Empty(verifier.Verify(outcome));

        // What the verifier is for: a payload changed after the fact, or a key it does not know, does not verify.
        var tampered = outcome with { Results = [alpha with { Payload = JsonDocument.Parse("""{"worker":"alpha","n":4}""").RootElement }] };
        Assert.Contains(verifier.Verify(tampered), p => p.Contains("result of alpha: InvalidSignature", StringComparison.Ordinal));
        using var stranger = new OutcomeVerifier([KeyValuePair.Create("alpha", NewKeyPem())]);
        Assert.Contains(stranger.Verify(outcome), p => p.Contains("result of alpha: UnknownSigner", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_forged_signature_is_rejected_and_counted_and_the_honest_result_counts()
    {
        using var rejections = new MetricCollector<long>(TrustChainTelemetry.Meter, "trustchain.replies.rejected");
        await using var cluster = await SignedCluster.StartAsync([new HoldingWorker("alpha", SignedCluster.Topic)]);
        var handle = await cluster.StartAsync(Hold);
        await cluster.Worker("alpha").Holding.Task.Guarded();

        var forged = new ReplySignature("alpha", ReplyAlgorithms.Ed25519, Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)), cluster.KeyOf("alpha").KeyId);
        var rejected = await cluster.ForgeAsync(SignedCluster.Result(handle.RequestId, "alpha", new { worker = "alpha", n = 666 }, forged));

        // Counted by the grain as it refused the reply, before it answered.
        Assert.Contains(rejections.GetMeasurementSnapshot(), m =>
            m.Value == 1
            && Equals(m.Tags["topic"], SignedCluster.Topic)
            && Equals(m.Tags["reason"], nameof(RejectionReason.InvalidSignature))
            && Equals(m.Tags["reply"], "result"));
        await AssertHonestCompletionAsync(cluster, handle, rejected, "alpha", "result", RejectionReason.InvalidSignature);
    }

    [Fact]
    public async Task A_result_altered_after_its_worker_signed_it_is_rejected_and_the_honest_result_counts()
    {
        await using var cluster = await SignedCluster.StartAsync([new HoldingWorker("alpha", SignedCluster.Topic)]);
        var handle = await cluster.StartAsync(Hold);
        await cluster.Worker("alpha").Holding.Task.Guarded();

        // Signed by alpha's own Ed25519 key, then the payload changed on the way.
        var signed = SignedCluster.Result(handle.RequestId, "alpha", new { worker = "alpha", n = 7 });
        var signature = cluster.KeyOf("alpha").Sign(SignedCluster.CanonicalOf(signed));
        var altered = signed with { Payload = TrustChainJson.ToElement(new { worker = "alpha", n = 666 }), Signature = signature };
        var rejected = await cluster.ForgeAsync(altered);

        Assert.Equal(ReplyAlgorithms.Ed25519, signature.Algorithm);
        await AssertHonestCompletionAsync(cluster, handle, rejected, "alpha", "result", RejectionReason.InvalidSignature);
    }

    [Fact]
    public async Task A_worker_keeping_its_P256_key_signs_beside_Ed25519_workers_and_a_client_verifies_the_outcome_with_the_announced_keys()
    {
        using var existing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var folder = Directory.CreateTempSubdirectory("trustchain-keys-");
        try
        {
            var path = Path.Combine(folder.FullName, "alpha.pem");
            await File.WriteAllTextAsync(path, existing.ExportECPrivateKeyPem());
            await using var cluster = await SignedCluster.StartAsync(
                [new HoldingWorker("alpha", SignedCluster.Topic), new HoldingWorker("beta", SignedCluster.Topic)],
                workerSilo: o => o.Keys["alpha"] = path);

            var outcome = await (await cluster.StartAsync(new { n = 3 })).Outcome.Guarded();

            Assert.Equal(RequestStatus.Completed, outcome.Status);
            Assert.Empty(outcome.Rejected);
            Assert.Equal(ReplyAlgorithms.EcdsaP256Sha256, outcome.ResultOf("alpha")!.Signature!.Algorithm);
            Assert.Equal(ReplyAlgorithms.Ed25519, outcome.ResultOf("beta")!.Signature!.Algorithm);
            Assert.Equal([ReplyAlgorithms.EcdsaP256Sha256, ReplyAlgorithms.Ed25519], outcome.Verdicts.OrderBy(v => v.Worker, StringComparer.Ordinal).Select(v => v.Signature!.Algorithm));

            // The manifest announces each key with its algorithm: the SubjectPublicKeyInfo says it.
            var announced = cluster.AnnouncedKeys().ToList();
            Assert.Equal(
                [("alpha", ReplyAlgorithms.EcdsaP256Sha256), ("beta", ReplyAlgorithms.Ed25519)],
                announced.Select(k => (k.Key, ReplyPublicKey.Read(k.Value).Algorithm)).Order());
            using var verifier = new OutcomeVerifier(announced);
            Assert.Empty(verifier.Verify(outcome));
            var tampered = outcome with { Results = [.. outcome.Results.Select(r => r with { Payload = TrustChainJson.ToElement(new { n = 4 }) })] };
            Assert.Equal(["result of alpha: InvalidSignature", "result of beta: InvalidSignature"], verifier.Verify(tampered).Select(p => p[(p.IndexOf(' ', StringComparison.Ordinal) + 1)..]).Order(StringComparer.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_result_signed_with_another_key_is_rejected_whether_it_names_its_own_key_or_the_workers()
    {
        await using var cluster = await SignedCluster.StartAsync([new HoldingWorker("alpha", SignedCluster.Topic)]);
        var handle = await cluster.StartAsync(Hold);
        await cluster.Worker("alpha").Holding.Task.Guarded();
        using var thief = ReplySigningKey.Generate();
        var result = SignedCluster.Result(handle.RequestId, "alpha", new { worker = "alpha", n = 666 });

        var ownKeyId = thief.KeyId;
        var underOwnId = await cluster.ForgeAsync(result with { Signature = SignedCluster.SignWith(thief, ownKeyId, result) });
        var underAlphasId = await cluster.ForgeAsync(result with { Signature = SignedCluster.SignWith(thief, cluster.KeyOf("alpha").KeyId, result) });

        Assert.Equal(RejectionReason.UnknownSigner, underOwnId.Reason);
        await AssertHonestCompletionAsync(cluster, handle, underAlphasId, "alpha", "result", RejectionReason.InvalidSignature);
    }

    [Fact]
    public async Task A_valid_signature_replayed_from_another_request_is_rejected()
    {
        await using var cluster = await SignedCluster.StartAsync([new HoldingWorker("alpha", SignedCluster.Topic)]);
        var earlier = await (await cluster.StartAsync(new { n = 1 })).Outcome.Guarded();
        var signed = Assert.Single(earlier.Results);
        Assert.Equal(WorkerResultStatus.Succeeded, signed.Status);

        var handle = await cluster.StartAsync(Hold);
        await cluster.Worker("alpha").Holding.Task.Guarded();
        var replayed = new ResultMessage(handle.RequestId, SignedCluster.Topic, "alpha", "rogue", true, signed.Payload, null, [], DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, signed.Signature);
        var rejected = await cluster.ForgeAsync(replayed);

        await AssertHonestCompletionAsync(cluster, handle, rejected, "alpha", "result", RejectionReason.InvalidSignature);
    }

    [Fact]
    public async Task A_validly_signed_result_from_a_worker_that_declined_is_rejected()
    {
        await using var cluster = await SignedCluster.StartAsync([new HoldingWorker("alpha", SignedCluster.Topic), new HoldingWorker("bystander", SignedCluster.Topic) { Interested = false }]);
        var handle = await cluster.StartAsync(Hold);
        await cluster.Worker("alpha").Holding.Task.Guarded();
        await cluster.WaitForAsync(handle.RequestId, o => o.Verdicts.Any(v => v.Worker == "bystander"));

        var result = SignedCluster.Result(handle.RequestId, "bystander", new { worker = "bystander", n = 666 });
        var rejected = await cluster.ForgeAsync(result with { Signature = cluster.KeyOf("bystander").Sign(SignedCluster.CanonicalOf(result)) });

        var outcome = await AssertHonestCompletionAsync(cluster, handle, rejected, "bystander", "result", RejectionReason.NotInterested);
        Assert.Null(outcome.ResultOf("bystander"));
    }

    [Fact]
    public async Task A_second_validly_signed_result_with_another_payload_is_rejected_and_the_first_stands()
    {
        await using var cluster = await SignedCluster.StartAsync([new HoldingWorker("alpha", SignedCluster.Topic), new HoldingWorker("beta", SignedCluster.Topic)]);
        cluster.Worker("beta").Release.SetResult(); // beta answers at once; alpha holds the request open
        var handle = await cluster.StartAsync(Hold);
        await cluster.Worker("alpha").Holding.Task.Guarded();
        await cluster.WaitForAsync(handle.RequestId, o => o.ResultOf("beta")?.Status == WorkerResultStatus.Succeeded);

        var second = SignedCluster.Result(handle.RequestId, "beta", new { worker = "beta", n = 666 });
        var rejected = await cluster.ForgeAsync(second with { Signature = cluster.KeyOf("beta").Sign(SignedCluster.CanonicalOf(second)) });

        var outcome = await AssertHonestCompletionAsync(cluster, handle, rejected, "beta", "result", RejectionReason.DuplicateResult);
        Assert.Equal(7, SignedCluster.Payload(outcome, "beta").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task A_forged_verdict_naming_the_honest_instance_is_refused_to_the_forger_and_the_honest_worker_keeps_its_place()
    {
        var alpha = new HoldingWorker("alpha", SignedCluster.Topic) { GateVerdict = true };
        await using var cluster = await SignedCluster.StartAsync([alpha]);
        var handle = await cluster.StartAsync(new { n = 7 });
        await alpha.Deciding.Task.Guarded();

        // The forger claims to be alpha's own instance, while alpha is deciding: the refusal answers the forger's
        // call, and alpha's place stays open for its own signed verdict.
        var forged = await cluster.ForgeAsync(new VerdictMessage(handle.RequestId, SignedCluster.Topic, "alpha", cluster.WorkerInstance, true, DateTimeOffset.UtcNow));
        alpha.Decide.TrySetResult();

        var outcome = await AssertHonestCompletionAsync(cluster, handle, forged, "alpha", "verdict", RejectionReason.Unsigned);
        Assert.Equal(WorkerResultStatus.Succeeded, Assert.Single(outcome.Results).Status);
    }

    [Fact]
    public async Task A_nested_request_dispatched_from_a_silo_configured_None_is_held_to_the_Signed_policy_of_its_root()
    {
        var outer = new HoldingWorker("outer", SignedCluster.Topic) { Nested = SignedCluster.InnerTopic };
        var inner = new HoldingWorker("inner", SignedCluster.InnerTopic);
        await using var cluster = await SignedCluster.StartAsync([outer, inner], workerSilo: o => o.Policy = SigningPolicy.None);
        var handle = await cluster.StartAsync(Hold);
        await outer.Holding.Task.Guarded();
        outer.Release.SetResult(); // outer now dispatches the nested request, from the silo configured None

        var child = await inner.Holding.Task.Guarded();
        var unsigned = await cluster.ForgeAsync(SignedCluster.Result(child, "inner", new { worker = "inner", n = 666 }, topic: SignedCluster.InnerTopic));
        Assert.Equal(("inner", "result", RejectionReason.Unsigned), (unsigned.Worker, unsigned.Kind, unsigned.Reason));
        inner.Release.SetResult();

        var outcome = await handle.Outcome.Guarded();
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        var nested = Assert.Single(Assert.Single(outcome.Results).Children);
        Assert.Equal(child, nested.RequestId);
        Assert.Equal(RequestStatus.Completed, nested.Status);
        Assert.Contains(unsigned, nested.Rejected);
        Assert.Equal(7, SignedCluster.Payload(nested, "inner").GetProperty("n").GetInt32());
        using var verifier = new OutcomeVerifier(cluster.AnnouncedKeys());
        Assert.Empty(verifier.Verify(outcome));
    }

    [Fact]
    public async Task Unsigned_verdicts_and_results_are_rejected_under_Signed()
    {
        await using var cluster = await SignedCluster.StartAsync([new HoldingWorker("alpha", SignedCluster.Topic)]);
        var handle = await cluster.StartAsync(Hold);
        await cluster.Worker("alpha").Holding.Task.Guarded();

        var verdict = await cluster.ForgeAsync(new VerdictMessage(handle.RequestId, SignedCluster.Topic, "ghost", "rogue", true, DateTimeOffset.UtcNow));
        var result = await cluster.ForgeAsync(SignedCluster.Result(handle.RequestId, "alpha", new { worker = "alpha", n = 666 }));

        Assert.Equal(new RejectedReply("ghost", "verdict", RejectionReason.Unsigned, verdict.At), verdict);
        var outcome = await AssertHonestCompletionAsync(cluster, handle, result, "alpha", "result", RejectionReason.Unsigned);
        Assert.DoesNotContain(outcome.Verdicts, v => v.Worker == "ghost");
    }

    [Fact]
    public async Task A_rogue_silo_announcing_a_pinned_workers_name_with_another_key_is_refused_and_its_replies_rejected()
    {
        using var refusals = new MetricCollector<long>(TrustChainTelemetry.Meter, "trustchain.keys.refused");
        using var honestKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var folder = Directory.CreateTempSubdirectory("trustchain-keys-");
        try
        {
            var path = Path.Combine(folder.FullName, "alpha.pem");
            await File.WriteAllTextAsync(path, honestKey.ExportPkcs8PrivateKeyPem());
            await using var cluster = await SignedCluster.StartAsync(
                [new HoldingWorker("alpha", SignedCluster.Topic)],
                workerSilo: o => o.Keys["alpha"] = path,
                everySilo: o => o.TrustedKeys["alpha"] = honestKey.ExportSubjectPublicKeyInfoPem());
            Assert.Equal(ReplyCanonicalForm.KeyId(honestKey.ExportSubjectPublicKeyInfo()), cluster.KeyOf("alpha").KeyId);
            var handle = await cluster.StartAsync(Hold);
            await cluster.Worker("alpha").Holding.Task.Guarded(); // alpha's part of the request is on the honest silo

            // A rogue silo joins hosting alpha too, announcing its own key in the cluster manifest.
            var rogue = await cluster.StartSiloAsync(signing: null, new HoldingWorker("alpha", SignedCluster.Topic)).Guarded();
            var rogueKey = rogue.Services.GetRequiredService<WorkerKeyRing>().For("alpha");
            Assert.Equal(2, cluster.OwnerCatalog.PublicKeysOf("alpha").Count);

            var result = SignedCluster.Result(handle.RequestId, "alpha", new { worker = "alpha", n = 666 });
            var rejected = await cluster.ForgeAsync(result with { Signature = rogueKey.Sign(SignedCluster.CanonicalOf(result)) });

            Assert.Contains(("alpha", rogueKey.KeyId), cluster.OwnerTrust.Refused);
            Assert.Equal([Convert.ToBase64String(honestKey.ExportSubjectPublicKeyInfo())], cluster.OwnerTrust.TrustedKeysOf("alpha"));
            Assert.Contains(refusals.GetMeasurementSnapshot(), m => Equals(m.Tags["worker"], "alpha"));

            var outcome = await AssertHonestCompletionAsync(cluster, handle, rejected, "alpha", "result", RejectionReason.UnknownSigner);
            Assert.Equal(ReplyCanonicalForm.KeyId(honestKey.ExportSubjectPublicKeyInfo()), outcome.ResultOf("alpha")!.Signature!.KeyId);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_dispatchers_policy_rules_per_topic_and_None_lets_unsigned_replies_count()
    {
        await using var cluster = await SignedCluster.StartAsync(
            [new HoldingWorker("alpha", SignedCluster.Topic, SignedCluster.AuditTopic)],
            owner: o =>
            {
                o.Policy = SigningPolicy.None;
                o.Topics[SignedCluster.AuditTopic] = SigningPolicy.Signed;
            });
        var alpha = cluster.Worker("alpha");

        var audit = await cluster.Owner.Dispatcher.StartAsync(SignedCluster.AuditTopic, TrustChainJson.ToElement(Hold)).Guarded();
        await alpha.Holding.Task.Guarded();
        var refused = await cluster.ForgeAsync(SignedCluster.Result(audit.RequestId, "alpha", new { n = 666 }, topic: SignedCluster.AuditTopic));
        Assert.Equal(RejectionReason.Unsigned, refused.Reason);

        // Under None the grain takes a reply as it comes, even one nobody signed: the policy is what protects.
        var lax = await cluster.StartAsync(Hold);
        await cluster.WaitForAsync(lax.RequestId, o => o.Verdicts.Any(v => v.Worker == "alpha"));
        Assert.Null(await cluster.SendAsync(SignedCluster.Result(lax.RequestId, "alpha", new { n = 666 })));
        var laxOutcome = await lax.Outcome.Guarded();
        Assert.Equal(RequestStatus.Completed, laxOutcome.Status);
        Assert.Null(laxOutcome.ResultOf("alpha")!.Signature);
        Assert.Equal(666, SignedCluster.Payload(laxOutcome, "alpha").GetProperty("n").GetInt32());

        alpha.Release.SetResult();
        Assert.Equal(7, SignedCluster.Payload(await audit.Outcome.Guarded(), "alpha").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Workers_of_a_silo_that_does_not_sign_send_unsigned_replies_which_count_only_where_the_policy_is_None()
    {
        await using var cluster = await SignedCluster.StartAsync(
            [new HoldingWorker("alpha", SignedCluster.Topic)],
            owner: o => o.Policy = SigningPolicy.None,
            workerSilo: o => o.SignReplies = false);

        var outcome = await (await cluster.StartAsync(new { n = 3 })).Outcome.Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Null(Assert.Single(outcome.Verdicts).Signature);
        Assert.Null(outcome.ResultOf("alpha")!.Signature);
        Assert.Empty(cluster.OwnerCatalog.PublicKeysOf("alpha"));
        using var verifier = new OutcomeVerifier(cluster.AnnouncedKeys());
        Assert.Equal(["verdict of alpha: Unsigned", "result of alpha: Unsigned"], verifier.Verify(outcome).Select(p => p[(p.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
    }

    /// <summary>The rejection is as expected and listed, and the honest worker's own result is the one that counts.</summary>
    private static async Task<RequestOutcome> AssertHonestCompletionAsync(SignedCluster cluster, IRequestHandle handle, RejectedReply rejected, string worker, string kind, RejectionReason reason)
    {
        Assert.Equal((worker, kind, reason), (rejected.Worker, rejected.Kind, rejected.Reason));
        foreach (var hosted in cluster.HostedWorkers)
        {
            hosted.Release.TrySetResult();
        }

        var outcome = await handle.Outcome.Guarded();
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Contains(rejected, outcome.Rejected);
        Assert.All(outcome.Results, r => Assert.Equal(7, r.Payload!.Value.GetProperty("n").GetInt32()));
        using var verifier = new OutcomeVerifier(cluster.AnnouncedKeys());
        Assert.Empty(verifier.Verify(outcome));
        return outcome;
    }

    private static string NewKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportSubjectPublicKeyInfoPem();
    }
}
