using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TrustChain.Messages;
using TrustChain.Signing;
using TrustChain.Workers;

namespace TrustChain.Tests.Signing;

/// <summary>
/// What a dispatching node trusts, read from the keys silos announce in the cluster manifest (no cluster here):
/// the algorithm travels in each announced key, Ed25519 and P-256 keys both count, anything else vouches for nothing.
/// </summary>
public sealed class TrustStoreTests
{
    private static readonly RequestId Request = RequestId.New("owner");

    [Fact]
    public void Replies_signed_with_announced_Ed25519_and_P256_keys_count_and_an_altered_or_forged_one_does_not()
    {
        using var alpha = ReplySigningKey.Generate(ReplyAlgorithms.Ed25519);
        using var beta = ReplySigningKey.Generate(ReplyAlgorithms.EcdsaP256Sha256);
        using var trust = Store(new StaticManifest(("alpha", alpha.SubjectPublicKeyInfo), ("beta", beta.SubjectPublicKeyInfo)));

        var fromAlpha = Signed(alpha, Result("alpha", 7));
        var fromBeta = Signed(beta, Result("beta", 7));

        Assert.Null(trust.Check(fromAlpha));
        Assert.Null(trust.Check(fromBeta));
        Assert.Null(trust.Check(Verdict(alpha, "alpha", interested: false)));
        Assert.Equal(RejectionReason.InvalidSignature, trust.Check(fromAlpha with { Payload = JsonSerializer.SerializeToElement(new { n = 8 }) }));
        Assert.Equal(RejectionReason.InvalidSignature, trust.Check(Verdict(alpha, "alpha", interested: false) with { Interested = true }));
        Assert.Equal(RejectionReason.InvalidSignature, trust.Check(fromBeta with { Signature = fromBeta.Signature! with { Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)) } }));

        // Each key verifies its own worker only, in its own algorithm.
        Assert.Equal(RejectionReason.UnknownSigner, trust.Check(Signed(alpha, Result("beta", 7))));
        Assert.Equal(RejectionReason.InvalidSignature, trust.Check(fromAlpha with { Signature = fromAlpha.Signature! with { Algorithm = ReplyAlgorithms.EcdsaP256Sha256 } }));
        Assert.Equal(
            [alpha.SubjectPublicKeyInfo, beta.SubjectPublicKeyInfo],
            [.. trust.TrustedKeysOf("alpha"), .. trust.TrustedKeysOf("beta")]);
    }

    [Fact]
    public void A_key_announced_in_an_algorithm_TrustChain_does_not_know_or_malformed_vouches_for_nothing()
    {
        using var rsa = RSA.Create(2048);
        using var secp256k1 = ECDsa.Create(ECCurve.CreateFromFriendlyName("secP256k1"));
        using var honest = ReplySigningKey.Generate();
        using var trust = Store(new StaticManifest(
            ("alpha", Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())),
            ("alpha", Convert.ToBase64String(secp256k1.ExportSubjectPublicKeyInfo())),
            ("alpha", "not a key"),
            ("alpha", honest.SubjectPublicKeyInfo)));
        var result = Result("alpha", 7);

        // Signed by secp256k1 under its own key id, as a rogue silo announcing that key would.
        var canonical = ReplyCanonicalForm.ForResult(result.RequestId, result.Topic, result.Worker, true, result.Payload, null, []);
        var rogue = new ReplySignature("alpha", ReplyAlgorithms.EcdsaP256Sha256, Convert.ToBase64String(secp256k1.SignData(canonical, HashAlgorithmName.SHA256)), ReplyCanonicalForm.KeyId(secp256k1.ExportSubjectPublicKeyInfo()));

        Assert.Equal(RejectionReason.UnknownSigner, trust.Check(result with { Signature = rogue }));
        Assert.Null(trust.Check(Signed(honest, result)));
        Assert.Equal([honest.SubjectPublicKeyInfo], trust.TrustedKeysOf("alpha"));
    }

    [Fact]
    public void A_pinned_Ed25519_key_is_the_only_one_trusted_for_its_worker()
    {
        using var pinned = ReplySigningKey.Generate();
        using var rogue = ReplySigningKey.Generate();
        var options = new SigningOptions { Policy = SigningPolicy.Signed };
        options.TrustedKeys["alpha"] = pinned.PublicKeyPem;
        using var trust = Store(new StaticManifest(("alpha", rogue.SubjectPublicKeyInfo), ("alpha", pinned.SubjectPublicKeyInfo)), options);

        Assert.Null(trust.Check(Signed(pinned, Result("alpha", 7))));
        Assert.Equal(RejectionReason.UnknownSigner, trust.Check(Signed(rogue, Result("alpha", 7))));
        Assert.Equal([("alpha", rogue.KeyId)], trust.Refused);
    }

    private static TrustStore Store(StaticManifest manifest, SigningOptions? options = null) =>
        new(Options.Create(options ?? new SigningOptions()), new WorkerCatalog(manifest), NullLogger<TrustStore>.Instance);

    private static ResultMessage Result(string worker, int n) =>
        new(Request, "signing.order", worker, "rogue", true, JsonSerializer.SerializeToElement(new { n }), null, [], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    private static ResultMessage Signed(ReplySigningKey key, ResultMessage result) =>
        result with { Signature = key.Sign(result.Worker, ReplyCanonicalForm.ForResult(result.RequestId, result.Topic, result.Worker, result.Succeeded, result.Payload, result.Error, result.Children)) };

    private static VerdictMessage Verdict(ReplySigningKey key, string worker, bool interested) =>
        new(Request, "signing.order", worker, "rogue", interested, DateTimeOffset.UnixEpoch, key.Sign(worker, ReplyCanonicalForm.ForVerdict(Request, "signing.order", worker, interested)));
}
