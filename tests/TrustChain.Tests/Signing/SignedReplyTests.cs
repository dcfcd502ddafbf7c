using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using TrustChain.Messages;
using TrustChain.Runtime;
using TrustChain.Signing;
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
        Assert.Equal(ReplyCanonicalForm.Algorithm, alpha.Signature?.Algorithm);
        Assert.All(outcome.Verdicts, v => Assert.NotNull(v.Signature));

        using var verifier = new OutcomeVerifier(cluster.AnnouncedKeys());
        Assert.Empty(verifier.Verify(outcome));

        // What the verifier is for: a payload changed after the fact, or a key it does not know, does not verify.
        var tampered = outcome with { Results = [alpha with { Payload = System.Text.Json.JsonDocument.Parse("""{"worker":"alpha","n":4}""").RootElement }] };
        Assert.Contains(verifier.Verify(tampered), p => p.Contains("result of alpha: InvalidSignature", StringComparison.Ordinal));
        using var stranger = new OutcomeVerifier([KeyValuePair.Create("alpha", NewKeyPem())]);
        Assert.Contains(stranger.Verify(outcome), p => p.Contains("result of alpha: UnknownSigner", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_forged_signature_is_rejected_and_the_honest_result_counts()
    {
        await using var cluster = await SignedCluster.StartAsync([new HoldingWorker("alpha", SignedCluster.Topic)]);
        var handle = await cluster.StartAsync(Hold);
        await Worker(cluster, "alpha").Holding.Task.Guarded();

        var counted = Safety.Signal();
        using var listener = ListenTo("trustchain.replies.rejected", "reason", reason =>
        {
            if (reason == nameof(RejectionReason.InvalidSignature))
            {
                counted.TrySetResult();
            }
        });
        var forged = new ReplySignature("alpha", ReplyCanonicalForm.Algorithm, Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)), cluster.KeyOf("alpha").KeyId);
        var rejected = await cluster.ForgeAsync(SignedCluster.Result(handle.RequestId, "alpha", new { worker = "alpha", n = 666 }, forged));
        await counted.Task.Guarded();

        await AssertHonestCompletionAsync(cluster, handle, rejected, "alpha", "result", RejectionReason.InvalidSignature);
    }

    [Fact]
    public async Task A_result_signed_with_another_key_is_rejected_whether_it_names_its_own_key_or_the_workers()
    {
        await using var cluster = await SignedCluster.StartAsync([new HoldingWorker("alpha", SignedCluster.Topic)]);
        var handle = await cluster.StartAsync(Hold);
        await Worker(cluster, "alpha").Holding.Task.Guarded();
        using var thief = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var result = SignedCluster.Result(handle.RequestId, "alpha", new { worker = "alpha", n = 666 });

        var ownKeyId = ReplySignatures.KeyIdOf(thief);
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
        await Worker(cluster, "alpha").Holding.Task.Guarded();
        var replayed = new ResultMessage(handle.RequestId, SignedCluster.Topic, "alpha", "rogue", true, signed.Payload, null, [], DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, signed.Signature);
        var rejected = await cluster.ForgeAsync(replayed);

        await AssertHonestCompletionAsync(cluster, handle, rejected, "alpha", "result", RejectionReason.InvalidSignature);
    }

    [Fact]
    public async Task A_validly_signed_result_from_a_worker_that_declined_is_rejected()
    {
        await using var cluster = await SignedCluster.StartAsync([new HoldingWorker("alpha", SignedCluster.Topic), new HoldingWorker("bystander", SignedCluster.Topic) { Interested = false }]);
        var handle = await cluster.StartAsync(Hold);
        await Worker(cluster, "alpha").Holding.Task.Guarded();
        await cluster.Activation(handle.RequestId).WaitForAsync(o => o.Verdicts.Any(v => v.Worker == "bystander")).Guarded();

        var result = SignedCluster.Result(handle.RequestId, "bystander", new { worker = "bystander", n = 666 });
        var rejected = await cluster.ForgeAsync(result with { Signature = cluster.KeyOf("bystander").Sign(SignedCluster.CanonicalOf(result)) });

        var outcome = await AssertHonestCompletionAsync(cluster, handle, rejected, "bystander", "result", RejectionReason.NotInterested);
        Assert.Null(outcome.ResultOf("bystander"));
    }

    [Fact]
    public async Task A_second_validly_signed_result_with_another_payload_is_rejected_and_the_first_stands()
    {
        await using var cluster = await SignedCluster.StartAsync([new HoldingWorker("alpha", SignedCluster.Topic), new HoldingWorker("beta", SignedCluster.Topic)]);
        var beta = Worker(cluster, "beta");
        beta.Release.SetResult(); // beta answers at once; alpha holds the request open
        var handle = await cluster.StartAsync(Hold);
        await Worker(cluster, "alpha").Holding.Task.Guarded();
        await cluster.Activation(handle.RequestId).WaitForAsync(o => o.ResultOf("beta")?.Status == WorkerResultStatus.Succeeded).Guarded();

        var second = SignedCluster.Result(handle.RequestId, "beta", new { worker = "beta", n = 666 });
        var rejected = await cluster.ForgeAsync(second with { Signature = cluster.KeyOf("beta").Sign(SignedCluster.CanonicalOf(second)) });

        var outcome = await AssertHonestCompletionAsync(cluster, handle, rejected, "beta", "result", RejectionReason.DuplicateResult);
        Assert.Equal(7, SignedCluster.Payload(outcome, "beta").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task A_forged_verdict_naming_the_honest_instance_gets_no_refusal_that_would_make_the_honest_worker_drop_its_work()
    {
        var alpha = new HoldingWorker("alpha", SignedCluster.Topic) { GateVerdict = true };
        await using var cluster = await SignedCluster.StartAsync([alpha]);
        var handle = await cluster.StartAsync(new { n = 7 });
        await alpha.Deciding.Task.Guarded();

        // The forger claims to be alpha's own instance: a refusal would go there, to the task alpha is deciding on.
        var forged = await cluster.ForgeAsync(new VerdictMessage(handle.RequestId, SignedCluster.Topic, "alpha", cluster.WorkerSilo.NodeId, true, DateTimeOffset.UtcNow));
        alpha.Decide.TrySetResult();

        var outcome = await AssertHonestCompletionAsync(cluster, handle, forged, "alpha", "verdict", RejectionReason.Unsigned);
        Assert.Equal(WorkerResultStatus.Succeeded, Assert.Single(outcome.Results).Status);
    }

    [Fact]
    public async Task A_nested_request_owned_by_a_silo_configured_None_is_held_to_the_Signed_policy_of_its_root()
    {
        var inner = new HoldingWorker("inner", "signing.inner");
        await using var cluster = await SignedCluster.StartAsync(
            [new HoldingWorker("outer", SignedCluster.Topic) { Nested = "signing.inner" }, inner],
            workerSilo: o => o.Policy = SigningPolicy.None);

        var outcome = await (await cluster.StartAsync(new { n = 7 })).Outcome.Guarded();

        var child = Assert.Single(Assert.Single(outcome.Results).Children);
        Assert.True(cluster.WorkerSilo.Services.GetRequiredService<RequestRegistry>().TryGet(child.RequestId, out var owner));
        Assert.Equal(SigningPolicy.Signed, owner.Signing);
        Assert.Equal(RequestStatus.Completed, child.Status);
        using var verifier = new OutcomeVerifier(cluster.AnnouncedKeys());
        Assert.Empty(verifier.Verify(outcome));
    }

    [Fact]
    public async Task Unsigned_verdicts_and_results_are_rejected_under_Signed()
    {
        await using var cluster = await SignedCluster.StartAsync([new HoldingWorker("alpha", SignedCluster.Topic)]);
        var handle = await cluster.StartAsync(Hold);
        await Worker(cluster, "alpha").Holding.Task.Guarded();

        var verdict = await cluster.ForgeAsync(new VerdictMessage(handle.RequestId, SignedCluster.Topic, "ghost", "rogue", true, DateTimeOffset.UtcNow));
        var result = await cluster.ForgeAsync(SignedCluster.Result(handle.RequestId, "alpha", new { worker = "alpha", n = 666 }));

        Assert.Equal(new RejectedReply("ghost", "verdict", RejectionReason.Unsigned, verdict.At), verdict);
        var outcome = await AssertHonestCompletionAsync(cluster, handle, result, "alpha", "result", RejectionReason.Unsigned);
        Assert.DoesNotContain(outcome.Verdicts, v => v.Worker == "ghost");
    }

    [Fact]
    public async Task A_rogue_announcing_a_pinned_workers_name_with_another_key_is_refused_and_its_replies_rejected()
    {
        using var honestKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var folder = Directory.CreateTempSubdirectory("trustchain-keys-");
        try
        {
            var path = Path.Combine(folder.FullName, "alpha.pem");
            await File.WriteAllTextAsync(path, honestKey.ExportPkcs8PrivateKeyPem());
            var refused = Safety.Signal();
            using var listener = ListenTo("trustchain.keys.refused", "worker", worker =>
            {
                if (worker == "alpha")
                {
                    refused.TrySetResult();
                }
            });
            await using var cluster = await SignedCluster.StartAsync(
                [new HoldingWorker("alpha", SignedCluster.Topic)],
                owner: o => o.TrustedKeys["alpha"] = honestKey.ExportSubjectPublicKeyInfoPem(),
                workerSilo: o => o.Keys["alpha"] = path);
            Assert.Equal(ReplySignatures.KeyIdOf(honestKey), cluster.KeyOf("alpha").KeyId);

            // The rogue joins as an instance of alpha announcing its own key (it takes no task: concurrency 0).
            using var rogueKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var rogueKeyId = ReplySignatures.KeyIdOf(rogueKey);
            await using var claim = await cluster.Rogue.SubscribeAsync(
                new Runtime.WorkerSubscription("alpha", [SignedCluster.Topic], 0, Convert.ToBase64String(rogueKey.ExportSubjectPublicKeyInfo())),
                (_, _, _) => Task.CompletedTask,
                CancellationToken.None);
            Assert.Equal(2, cluster.Network.PublicKeysOf("alpha").Count);

            var handle = await cluster.StartAsync(Hold);
            await Worker(cluster, "alpha").Holding.Task.Guarded();
            var result = SignedCluster.Result(handle.RequestId, "alpha", new { worker = "alpha", n = 666 });
            var rejected = await cluster.ForgeAsync(result with { Signature = SignedCluster.SignWith(rogueKey, rogueKeyId, result) });

            Assert.Contains(("alpha", rogueKeyId), cluster.OwnerTrust.Refused);
            await refused.Task.Guarded();

            var outcome = await AssertHonestCompletionAsync(cluster, handle, rejected, "alpha", "result", RejectionReason.UnknownSigner);
            Assert.Equal(ReplySignatures.KeyIdOf(honestKey), outcome.ResultOf("alpha")!.Signature!.KeyId);
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
            [new HoldingWorker("alpha", SignedCluster.Topic, "order.audit")],
            owner: o =>
            {
                o.Policy = SigningPolicy.None;
                o.Topics["order.audit"] = SigningPolicy.Signed;
            });
        var alpha = Worker(cluster, "alpha");

        var open = await cluster.Owner.Dispatcher.StartAsync("order.audit", Serialization.TrustChainJson.ToElement(Hold)).Guarded();
        await alpha.Holding.Task.Guarded();
        var refused = await cluster.ForgeAsync(SignedCluster.Result(open.RequestId, "alpha", new { n = 666 }, topic: "order.audit"));
        Assert.Equal(RejectionReason.Unsigned, refused.Reason);

        // Under None the owner takes a reply as it comes, even one nobody signed: the policy is what protects.
        var lax = await cluster.StartAsync(Hold);
        await cluster.Activation(lax.RequestId).WaitForAsync(o => o.Verdicts.Any(v => v.Worker == "alpha")).Guarded();
        await cluster.Rogue.SendAsync(cluster.Owner.NodeId, SignedCluster.Result(lax.RequestId, "alpha", new { n = 666 }), CancellationToken.None);
        var laxOutcome = await lax.Outcome.Guarded();
        Assert.Equal(RequestStatus.Completed, laxOutcome.Status);
        Assert.Null(laxOutcome.ResultOf("alpha")!.Signature);

        alpha.Release.SetResult();
        Assert.Equal(7, (await open.Outcome.Guarded()).ResultOf("alpha")!.Payload!.Value.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Workers_of_a_node_that_does_not_sign_send_unsigned_replies_which_count_only_where_the_policy_is_None()
    {
        await using var cluster = await SignedCluster.StartAsync(
            [new HoldingWorker("alpha", SignedCluster.Topic)],
            owner: o => o.Policy = SigningPolicy.None,
            workerSilo: o => o.SignReplies = false);

        var outcome = await (await cluster.StartAsync(new { n = 3 })).Outcome.Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Null(Assert.Single(outcome.Verdicts).Signature);
        Assert.Null(outcome.ResultOf("alpha")!.Signature);
        Assert.Empty(cluster.Network.PublicKeysOf("alpha"));
        using var verifier = new OutcomeVerifier(cluster.AnnouncedKeys());
        Assert.Equal(["verdict of alpha: Unsigned", "result of alpha: Unsigned"], verifier.Verify(outcome).Select(p => p[(p.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
    }

    private static HoldingWorker Worker(SignedCluster cluster, string name) =>
        cluster.WorkerSilo.Node.Workers.OfType<HoldingWorker>().Single(w => w.Name == name);

    /// <summary>The rejection is as expected and listed, and the honest worker's own result is the one that counts.</summary>
    private static async Task<RequestOutcome> AssertHonestCompletionAsync(SignedCluster cluster, IRequestHandle handle, RejectedReply rejected, string worker, string kind, RejectionReason reason)
    {
        Assert.Equal((worker, kind, reason), (rejected.Worker, rejected.Kind, rejected.Reason));
        foreach (var hosted in cluster.WorkerSilo.Node.Workers.OfType<HoldingWorker>())
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

    /// <summary>Hands over one tag of every measurement of a TrustChain counter (other tests may add theirs).</summary>
    private static MeterListener ListenTo(string instrument, string tagKey, Action<string> observed)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == "TrustChain" && i.Name == instrument)
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == tagKey && tag.Value is string value)
                {
                    observed(value);
                }
            }
        });
        listener.Start();
        return listener;
    }
}
