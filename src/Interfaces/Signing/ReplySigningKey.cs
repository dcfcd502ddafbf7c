using System.Security.Cryptography;
using NSec.Cryptography;
using TrustChain.Messages;

namespace TrustChain.Signing;

/// <summary>
/// A private key replies are signed with, from any number of threads at once: Ed25519 (the default of generated
/// keys) or ECDSA P-256. Read from PEM as <c>openssl genpkey</c> writes it (PKCS#8, <c>-----BEGIN PRIVATE KEY-----</c>;
/// for P-256 also SEC1, <c>-----BEGIN EC PRIVATE KEY-----</c>); its algorithm is the one the key names.
/// </summary>
public sealed class ReplySigningKey : IDisposable
{
    private readonly Key? _ed25519;
    private readonly EcdsaInstances? _ecdsa;
    private readonly ECParameters _ecdsaParameters;
    private readonly byte[] _spki;

    private ReplySigningKey(Key ed25519)
    {
        _ed25519 = ed25519;
        _spki = ed25519.PublicKey.Export(KeyBlobFormat.PkixPublicKey);
        Algorithm = ReplyAlgorithms.Ed25519;
        KeyId = ReplyCanonicalForm.KeyId(_spki);
    }

    private ReplySigningKey(ECDsa ecdsa)
    {
        ReplyPublicKey.RequireP256(ecdsa);
        _ecdsaParameters = ecdsa.ExportParameters(includePrivateParameters: true);
        _spki = ecdsa.ExportSubjectPublicKeyInfo();
        _ecdsa = new EcdsaInstances(ecdsa, () => ECDsa.Create(_ecdsaParameters));
        Algorithm = ReplyAlgorithms.EcdsaP256Sha256;
        KeyId = ReplyCanonicalForm.KeyId(_spki);
    }

    /// <summary>Its <see cref="ReplyAlgorithms"/> name, carried by every signature it makes.</summary>
    public string Algorithm { get; }

    /// <summary><see cref="ReplyCanonicalForm.KeyId"/> of its public key.</summary>
    public string KeyId { get; }

    /// <summary>Base64 of its public key's SubjectPublicKeyInfo (DER), as the cluster manifest announces it.</summary>
    public string SubjectPublicKeyInfo => Convert.ToBase64String(_spki);

    /// <summary>Its public key as PEM, e.g. to pin it in another node's trust store.</summary>
    public string PublicKeyPem => PemEncoding.WriteString("PUBLIC KEY", _spki);

    /// <summary>A new key of <paramref name="algorithm"/> (a <see cref="ReplyAlgorithms"/> name).</summary>
    public static ReplySigningKey Generate(string algorithm = ReplyAlgorithms.Ed25519)
    {
        switch (algorithm)
        {
            case ReplyAlgorithms.Ed25519:
                // Exportable: a generated key is written to the key folder, when there is one.
                var parameters = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
                return new ReplySigningKey(Key.Create(SignatureAlgorithm.Ed25519, parameters));
            case ReplyAlgorithms.EcdsaP256Sha256:
                return FromEcdsa(ECDsa.Create(ECCurve.NamedCurves.nistP256));
            default:
                throw new ArgumentException($"'{algorithm}' is not a signing algorithm of TrustChain ({string.Join(" or ", ReplyAlgorithms.All)}).", nameof(algorithm));
        }
    }

    /// <summary>Reads a private key from PEM: PKCS#8 (Ed25519 or P-256) or SEC1 (P-256).</summary>
    /// <exception cref="CryptographicException">No such key in the text, or a key of another algorithm or curve.</exception>
    public static ReplySigningKey ReadPem(string pem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pem);
        if (!PemEncoding.TryFind(pem, out var fields))
        {
            throw new CryptographicException("No PEM private key in the text.");
        }

        var label = pem[fields.Label];
        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        try
        {
            switch (label)
            {
                case "PRIVATE KEY" when ReplyAlgorithms.OfPkcs8(der) == ReplyAlgorithms.Ed25519:
                    var parameters = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
                    if (!Key.TryImport(SignatureAlgorithm.Ed25519, der, KeyBlobFormat.PkixPrivateKey, out var key, in parameters) || key is null)
                    {
                        throw new CryptographicException("Not an Ed25519 PKCS#8 private key.");
                    }

                    return new ReplySigningKey(key);
                case "PRIVATE KEY":
                    return FromEcdsa(Import(ecdsa => ecdsa.ImportPkcs8PrivateKey(der, out _)));
                case "EC PRIVATE KEY":
                    return FromEcdsa(Import(ecdsa => ecdsa.ImportECPrivateKey(der, out _)));
                default:
                    throw new CryptographicException($"A PEM {label} is not a private key TrustChain reads (PRIVATE KEY, or EC PRIVATE KEY for P-256).");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>An ECDSA P-256 key; this takes it over (and disposes of it with itself).</summary>
    public static ReplySigningKey FromEcdsa(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            return new ReplySigningKey(key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The private key as PEM (PKCS#8), as <see cref="ReadPem"/> reads it.</summary>
    public string ExportPkcs8Pem()
    {
        if (_ed25519 is { } ed25519)
        {
            var der = ed25519.Export(KeyBlobFormat.PkixPrivateKey);
            try
            {
                return PemEncoding.WriteString("PRIVATE KEY", der);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(der);
            }
        }

        var ecdsa = _ecdsa!.Rent();
        try
        {
            return ecdsa.ExportPkcs8PrivateKeyPem();
        }
        finally
        {
            _ecdsa.Return(ecdsa);
        }
    }

    /// <summary>Signs <paramref name="data"/> into <paramref name="signature"/> (<see cref="ReplyAlgorithms.SignatureSize"/> bytes).</summary>
    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
        if (signature.Length != ReplyAlgorithms.SignatureSize)
        {
            throw new ArgumentException($"A signature takes {ReplyAlgorithms.SignatureSize} bytes.", nameof(signature));
        }

        if (_ed25519 is { } ed25519)
        {
            SignatureAlgorithm.Ed25519.Sign(ed25519, data, signature);
            return;
        }

        var key = _ecdsa!.Rent();
        try
        {
            if (!key.TrySignData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out var written)
                || written != ReplyAlgorithms.SignatureSize)
            {
                throw new CryptographicException("ECDSA P-256 signed in an unexpected size.");
            }
        }
        finally
        {
            _ecdsa.Return(key);
        }
    }

    /// <summary><paramref name="signer"/>'s signature over a reply's canonical form, as the reply carries it.</summary>
    public ReplySignature Sign(string signer, ReadOnlySpan<byte> canonical)
    {
        Span<byte> signature = stackalloc byte[ReplyAlgorithms.SignatureSize];
        Sign(canonical, signature);
        return new ReplySignature(signer, Algorithm, Convert.ToBase64String(signature), KeyId);
    }

    public void Dispose()
    {
        _ed25519?.Dispose();
        if (_ecdsaParameters.D is { } secret)
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        _ecdsa?.Dispose();
    }

    private static ECDsa Import(Action<ECDsa> read)
    {
        var key = ECDsa.Create();
        try
        {
            read(key);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
