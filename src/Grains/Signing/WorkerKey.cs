using System.Security.Cryptography;
using TrustChain.Messages;

namespace TrustChain.Signing;

/// <summary>One hosted worker's private key: it signs every verdict and result the worker sends.</summary>
public sealed class WorkerKey : IDisposable
{
    // A worker signs from many tasks at once: each signature rents an instance of its key.
    private readonly EcdsaInstances _instances;
    private readonly ECParameters _parameters;
    private readonly byte[] _spki;

    internal WorkerKey(string worker, ECDsa key)
    {
        Worker = worker;
        _parameters = key.ExportParameters(includePrivateParameters: true);
        _spki = key.ExportSubjectPublicKeyInfo();
        _instances = new EcdsaInstances(key, () => ECDsa.Create(_parameters));
        PublicKey = Convert.ToBase64String(_spki);
        KeyId = ReplyCanonicalForm.KeyId(_spki);
    }

    public string Worker { get; }

    /// <summary>Base64 of the public key's SubjectPublicKeyInfo, as membership announces it.</summary>
    public string PublicKey { get; }

    public string KeyId { get; }

    /// <summary>The public key as PEM, e.g. to pin it in another node's trust store.</summary>
    public string PublicKeyPem => PemEncoding.WriteString("PUBLIC KEY", _spki);

    public ReplySignature Sign(byte[] canonical)
    {
        var key = _instances.Rent();
        try
        {
            return ReplySignatures.Sign(key, KeyId, Worker, canonical);
        }
        finally
        {
            _instances.Return(key);
        }
    }

    public void Dispose()
    {
        if (_parameters.D is { } secret)
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        _instances.Dispose();
    }
}
