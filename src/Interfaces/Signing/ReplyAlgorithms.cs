using System.Formats.Asn1;
using System.Security.Cryptography;

namespace TrustChain.Signing;

/// <summary>
/// The signature algorithms of worker replies, as <see cref="Messages.ReplySignature.Algorithm"/> names them. A key
/// says its own algorithm: the algorithm identifier of its SubjectPublicKeyInfo (public) or PKCS#8 (private) DER,
/// so the public key a silo announces carries it wherever it travels. Any other algorithm is refused.
/// </summary>
public static class ReplyAlgorithms
{
    /// <summary>
    /// Ed25519 (RFC 8032, pure: over the canonical bytes themselves), by libsodium through NSec; a 64-byte
    /// signature. The algorithm of the keys TrustChain generates.
    /// </summary>
    public const string Ed25519 = "Ed25519";

    /// <summary>ECDSA over P-256 with SHA-256; the signature is r‖s (IEEE P1363, 64 bytes).</summary>
    public const string EcdsaP256Sha256 = "ECDSA-P256-SHA256";

    /// <summary>The algorithms a key may have, in the order of preference.</summary>
    public static IReadOnlyList<string> All { get; } = [Ed25519, EcdsaP256Sha256];

    /// <summary>Every supported algorithm signs in 64 bytes.</summary>
    public const int SignatureSize = 64;

    // RFC 8410 (id-Ed25519), RFC 5480 (id-ecPublicKey and the secp256r1 curve).
    internal const string Ed25519Oid = "1.3.101.112";
    internal const string EcPublicKeyOid = "1.2.840.10045.2.1";
    internal const string P256Oid = "1.2.840.10045.3.1.7";

    /// <summary>Whether <paramref name="algorithm"/> is the exact name of a supported algorithm.</summary>
    public static bool IsKnown(string? algorithm) =>
        string.Equals(algorithm, Ed25519, StringComparison.Ordinal) || string.Equals(algorithm, EcdsaP256Sha256, StringComparison.Ordinal);

    /// <summary>The algorithm a SubjectPublicKeyInfo (DER) names; throws on any other, or on bytes that are not one.</summary>
    internal static string OfSubjectPublicKeyInfo(ReadOnlyMemory<byte> der) => Named(AlgorithmIdentifier(der, privateKey: false));

    /// <summary>The algorithm a PKCS#8 private key (DER) names; throws on any other, or on bytes that are not one.</summary>
    internal static string OfPkcs8(ReadOnlyMemory<byte> der) => Named(AlgorithmIdentifier(der, privateKey: true));

    private static string Named(string oid) => oid switch
    {
        Ed25519Oid => Ed25519,
        EcPublicKeyOid => EcdsaP256Sha256, // the curve is checked once the key is read: only P-256 passes
        _ => throw new CryptographicException($"A key of algorithm {oid} is not one TrustChain signs with ({string.Join(" or ", All)})."),
    };

    private static string AlgorithmIdentifier(ReadOnlyMemory<byte> der, bool privateKey)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var info = reader.ReadSequence();
            if (privateKey)
            {
                _ = info.ReadInteger(); // version
            }

            var identifier = info.ReadSequence();
            return identifier.ReadObjectIdentifier();
        }
        catch (AsnContentException ex)
        {
            throw new CryptographicException($"Not a DER {(privateKey ? "PKCS#8 private key" : "SubjectPublicKeyInfo")}: {ex.Message}", ex);
        }
    }
}
