using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TrustChain.Messages;
using TrustChain.Signing;

namespace TrustChain.Tests.Signing;

/// <summary>
/// The keys replies are signed and verified with, apart from any silo: Ed25519 (what TrustChain generates) and
/// ECDSA P-256 (a user's existing keys), each saying its algorithm in its own encoding; everything else refused.
/// </summary>
public sealed class ReplyKeyTests
{
    private static readonly RequestId Request = RequestId.New("owner");

    public static TheoryData<string> Algorithms => [ReplyAlgorithms.Ed25519, ReplyAlgorithms.EcdsaP256Sha256];

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void A_reply_signed_with_a_key_verifies_with_its_announced_public_key_and_an_altered_one_does_not(string algorithm)
    {
        using var key = ReplySigningKey.Generate(algorithm);
        using var announced = ReplyPublicKey.Read(key.SubjectPublicKeyInfo);
        var canonical = Canonical(new { n = 7 });
        var signature = key.Sign("alpha", canonical);

        Assert.Equal((algorithm, algorithm, key.KeyId), (key.Algorithm, announced.Algorithm, announced.KeyId));
        Assert.Equal((algorithm, key.KeyId), (signature.Algorithm, signature.KeyId));
        Assert.Null(Check(signature, canonical, announced));
        Assert.Equal(RejectionReason.InvalidSignature, Check(signature, Canonical(new { n = 8 }), announced));
        Assert.Equal(RejectionReason.InvalidSignature, Check(signature with { Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)) }, canonical, announced));
        Assert.Equal(RejectionReason.InvalidSignature, Check(signature with { Signer = "beta" }, canonical, announced));
    }

    [Theory]
    [InlineData("RSA-PSS-SHA256")]
    [InlineData("ed25519")]
    [InlineData("")]
    [InlineData(ReplyAlgorithms.EcdsaP256Sha256)]
    public void A_valid_signature_naming_an_unknown_algorithm_or_one_that_is_not_its_keys_is_refused(string claimed)
    {
        using var key = ReplySigningKey.Generate(ReplyAlgorithms.Ed25519);
        using var announced = ReplyPublicKey.Read(key.PublicKeyPem);
        var canonical = Canonical(new { n = 7 });

        var signature = key.Sign("alpha", canonical) with { Algorithm = claimed };

        Assert.Equal(RejectionReason.InvalidSignature, Check(signature, canonical, announced));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void A_signature_value_that_is_not_base64_of_64_bytes_is_refused(string value)
    {
        using var key = ReplySigningKey.Generate();
        using var announced = ReplyPublicKey.Read(key.SubjectPublicKeyInfo);
        var canonical = Canonical(new { n = 7 });

        Assert.Equal(RejectionReason.InvalidSignature, Check(key.Sign("alpha", canonical) with { Value = value }, canonical, announced));
        Assert.Equal(RejectionReason.InvalidSignature, Check(key.Sign("alpha", canonical) with { Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(65)) }, canonical, announced));
    }

    [Fact]
    public void Public_keys_of_another_algorithm_or_curve_and_text_that_is_no_key_are_refused()
    {
        using var rsa = RSA.Create(2048);
        using var secp256k1 = ECDsa.Create(ECCurve.CreateFromFriendlyName("secP256k1"));
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        Assert.Throws<CryptographicException>(() => ReplyPublicKey.Read(rsa.ExportSubjectPublicKeyInfoPem()));
        Assert.Throws<CryptographicException>(() => ReplyPublicKey.Read(Convert.ToBase64String(secp256k1.ExportSubjectPublicKeyInfo())));
        Assert.Throws<CryptographicException>(() => ReplyPublicKey.Read(p384.ExportSubjectPublicKeyInfoPem()));
        Assert.Throws<CryptographicException>(() => ReplyPublicKey.Read(Convert.ToBase64String(Encoding.UTF8.GetBytes("not a key"))));
        Assert.Throws<FormatException>(() => ReplyPublicKey.Read("not a key"));

        // A private key is not a public key, even of a known algorithm.
        using var ed25519 = ReplySigningKey.Generate();
        Assert.Throws<CryptographicException>(() => ReplyPublicKey.Read(ed25519.ExportPkcs8Pem()));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void A_private_key_written_as_PKCS8_PEM_reads_back_as_the_same_key_of_the_same_algorithm(string algorithm)
    {
        using var key = ReplySigningKey.Generate(algorithm);

        using var read = ReplySigningKey.ReadPem(key.ExportPkcs8Pem());

        Assert.Equal((algorithm, key.KeyId), (read.Algorithm, read.KeyId));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", key.ExportPkcs8Pem(), StringComparison.Ordinal);
        using var announced = ReplyPublicKey.Read(key.SubjectPublicKeyInfo);
        var canonical = Canonical(new { n = 1 });
        Assert.Null(Check(read.Sign("alpha", canonical), canonical, announced));
    }

    [Fact]
    public void An_existing_P256_key_reads_from_SEC1_and_PKCS8_and_keys_of_other_algorithms_are_refused()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyId = ReplyCanonicalForm.KeyId(ecdsa.ExportSubjectPublicKeyInfo());

        using var sec1 = ReplySigningKey.ReadPem(ecdsa.ExportECPrivateKeyPem());
        using var pkcs8 = ReplySigningKey.ReadPem(ecdsa.ExportPkcs8PrivateKeyPem());

        Assert.Equal((ReplyAlgorithms.EcdsaP256Sha256, keyId), (sec1.Algorithm, sec1.KeyId));
        Assert.Equal((ReplyAlgorithms.EcdsaP256Sha256, keyId), (pkcs8.Algorithm, pkcs8.KeyId));
        using var rsa = RSA.Create(2048);
        using var secp256k1 = ECDsa.Create(ECCurve.CreateFromFriendlyName("secP256k1"));
        Assert.Throws<CryptographicException>(() => ReplySigningKey.ReadPem(rsa.ExportPkcs8PrivateKeyPem()));
        Assert.Throws<CryptographicException>(() => ReplySigningKey.ReadPem(rsa.ExportRSAPrivateKeyPem()));
        Assert.Throws<CryptographicException>(() => ReplySigningKey.ReadPem(secp256k1.ExportPkcs8PrivateKeyPem()));
        Assert.Throws<CryptographicException>(() => ReplySigningKey.ReadPem(ecdsa.ExportSubjectPublicKeyInfoPem()));
        Assert.Throws<ArgumentException>(() => ReplySigningKey.Generate("RSA"));
    }

    [Fact]
    public void An_Ed25519_public_key_announced_as_text_says_its_algorithm_in_its_SubjectPublicKeyInfo()
    {
        using var key = ReplySigningKey.Generate();

        var spki = Convert.FromBase64String(key.SubjectPublicKeyInfo);

        // RFC 8410: SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (32 bytes) }, 44 bytes.
        Assert.Equal("302a300506032b6570032100", Convert.ToHexStringLower(spki[..12]));
        Assert.Equal(44, spki.Length);
        Assert.Equal(key.KeyId, ReplyCanonicalForm.KeyId(spki));
    }

    [Fact]
    public void The_canonical_form_is_the_documented_text_for_verdicts_and_for_results_with_payload_error_and_children()
    {
        var payload = JsonSerializer.SerializeToElement(new { orderId = "o-\u00e9<1>", items = (int[])[1, 2] });
        var children = new[] { RequestId.New("n1"), RequestId.New("n2") }.Select(Child).ToList();
        var longError = new string('é', 300); // past the stack buffer the error's hash is taken in

        Assert.Equal(Documented(Request.Value, "verdict", "declined", [], ""), ReplyCanonicalForm.ForVerdict(Request, "order.placed", "fraud", false));
        Assert.Equal(Documented(Request.Value, "verdict", "interested", [], ""), ReplyCanonicalForm.ForVerdict(Request, "order.placed", "fraud", true));
        Assert.Equal(
            Documented(Request.Value, "result", "succeeded", Encoding.UTF8.GetBytes(payload.GetRawText()), string.Join(',', children.Select(c => c.RequestId.Value))),
            ReplyCanonicalForm.ForResult(Request, "order.placed", "fraud", true, payload, null, children));
        Assert.Equal(Documented(Request.Value, "result", "succeeded", [], ""), ReplyCanonicalForm.ForResult(Request, "order.placed", "fraud", true, null, null, []));
        Assert.Equal(
            Documented(Request.Value, "result", "succeeded", [], ""),
            ReplyCanonicalForm.ForResult(Request, "order.placed", "fraud", true, JsonDocument.Parse("null").RootElement, null, []));
        Assert.Equal(Documented(Request.Value, "result", "failed", Encoding.UTF8.GetBytes(longError), ""), ReplyCanonicalForm.ForResult(Request, "order.placed", "fraud", false, null, longError, []));
    }

    /// <summary>The README's text of the canonical form, written out the plain way.</summary>
    private static byte[] Documented(string requestId, string kind, string status, byte[] content, string children) =>
        Encoding.UTF8.GetBytes($"trustchain-v1\n{requestId}\norder.placed\nfraud\n{kind}\n{status}\n{Convert.ToHexStringLower(SHA256.HashData(content))}\n{children}\n");

    private static RequestOutcome Child(RequestId id) =>
        new(id, "order.nested", RequestStatus.Completed, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, [], [], []);

    private static byte[] Canonical(object payload) =>
        ReplyCanonicalForm.ForResult(Request, "order.placed", "alpha", true, JsonSerializer.SerializeToElement(payload), null, []);

    private static RejectionReason? Check(ReplySignature signature, byte[] canonical, ReplyPublicKey key) =>
        ReplySignatures.Check(signature, "alpha", canonical, key, static (k, keyId) => k.KeyId == keyId ? k : null);
}
