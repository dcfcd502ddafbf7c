using System.Security.Cryptography;
using NSec.Cryptography;

namespace TrustChain.Signing;

/// <summary>
/// A worker's public key, read once and verified with from any number of threads at once: an Ed25519 key or an
/// ECDSA P-256 key, as its SubjectPublicKeyInfo says. Anything else (another algorithm or curve, bytes that do not
/// read) is refused when it is read, so an unreadable key never vouches for a reply.
/// </summary>
public sealed class ReplyPublicKey : IDisposable
{
    private readonly NSec.Cryptography.PublicKey? _ed25519;
    private readonly EcdsaInstances? _ecdsa;

    private ReplyPublicKey(string algorithm, byte[] spki, NSec.Cryptography.PublicKey? ed25519, EcdsaInstances? ecdsa)
    {
        Algorithm = algorithm;
        SubjectPublicKeyInfo = Convert.ToBase64String(spki);
        KeyId = ReplyCanonicalForm.KeyId(spki);
        _ed25519 = ed25519;
        _ecdsa = ecdsa;
    }

    /// <summary>Its <see cref="ReplyAlgorithms"/> name, which every signature made with it must carry.</summary>
    public string Algorithm { get; }

    /// <summary><see cref="ReplyCanonicalForm.KeyId"/> of its SubjectPublicKeyInfo.</summary>
    public string KeyId { get; }

    /// <summary>Base64 of its SubjectPublicKeyInfo (DER), as the cluster manifest announces it.</summary>
    public string SubjectPublicKeyInfo { get; }

    /// <summary>
    /// Reads a public key given as PEM (<c>-----BEGIN PUBLIC KEY-----</c>) or as base64 of its SubjectPublicKeyInfo.
    /// </summary>
    /// <exception cref="CryptographicException">Not an Ed25519 or P-256 public key.</exception>
    /// <exception cref="FormatException">Neither PEM nor base64.</exception>
    public static ReplyPublicKey Read(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        byte[] der;
        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            var pem = PemEncoding.Find(text);
            if (!text.AsSpan()[pem.Label].SequenceEqual("PUBLIC KEY"))
            {
                throw new CryptographicException($"A public key is PEM labelled PUBLIC KEY, not {text[pem.Label]}.");
            }

            der = Convert.FromBase64String(text[pem.Base64Data]);
        }
        else
        {
            der = Convert.FromBase64String(text.Trim());
        }

        return FromSubjectPublicKeyInfo(der);
    }

    /// <summary>Reads a SubjectPublicKeyInfo (DER).</summary>
    /// <exception cref="CryptographicException">Not an Ed25519 or P-256 public key.</exception>
    public static ReplyPublicKey FromSubjectPublicKeyInfo(ReadOnlyMemory<byte> spki)
    {
        var algorithm = ReplyAlgorithms.OfSubjectPublicKeyInfo(spki);
        if (algorithm == ReplyAlgorithms.Ed25519)
        {
            if (!NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, spki.Span, KeyBlobFormat.PkixPublicKey, out var key) || key is null)
            {
                throw new CryptographicException("Not an Ed25519 SubjectPublicKeyInfo.");
            }

            // Exported again, so the key id is that of the canonical encoding whatever the input's.
            return new ReplyPublicKey(algorithm, key.Export(KeyBlobFormat.PkixPublicKey), key, null);
        }

        var ecdsa = ReadEcdsa(spki.Span);
        try
        {
            var canonical = ecdsa.ExportSubjectPublicKeyInfo();
            return new ReplyPublicKey(algorithm, canonical, null, new EcdsaInstances(ecdsa, () => ReadEcdsa(canonical)));
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }

    /// <summary>Whether <paramref name="signature"/> is this key's signature over <paramref name="data"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != ReplyAlgorithms.SignatureSize)
        {
            return false;
        }

        if (_ed25519 is { } ed25519)
        {
            return SignatureAlgorithm.Ed25519.Verify(ed25519, data, signature);
        }

        var key = _ecdsa!.Rent();
        try
        {
            return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        finally
        {
            _ecdsa.Return(key);
        }
    }

    public void Dispose() => _ecdsa?.Dispose();

    private static ECDsa ReadEcdsa(ReadOnlySpan<byte> spki)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read != spki.Length)
            {
                throw new CryptographicException("Bytes after the SubjectPublicKeyInfo.");
            }

            RequireP256(key);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Refuses an EC key on any curve but P-256 (e.g. secp256k1 or brainpoolP256r1, also 256 bits).</summary>
    internal static void RequireP256(ECDsa key)
    {
        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        var p256 = curve.IsNamed
            && (curve.Oid.Value == ReplyAlgorithms.P256Oid || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256" or "secp256r1" or "prime256v1");
        if (!p256)
        {
            throw new CryptographicException($"An EC key on curve {curve.Oid.FriendlyName ?? curve.Oid.Value ?? "(explicit)"} is not a P-256 key.");
        }
    }
}
