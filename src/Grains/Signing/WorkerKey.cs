using System.Collections.Concurrent;
using System.Security.Cryptography;
using TrustChain.Messages;

namespace TrustChain.Signing;

/// <summary>One hosted worker's private key: it signs every verdict and result the worker sends.</summary>
public sealed class WorkerKey : IDisposable
{
    private readonly ECDsa _key;

    // An ECDsa instance is not documented as safe for concurrent use, and a worker signs from many tasks at once:
    // each signature rents an instance of the same key, made only when all the others are busy.
    private readonly ConcurrentBag<ECDsa> _idle = [];
    private readonly ECParameters _parameters;

    internal WorkerKey(string worker, ECDsa key)
    {
        Worker = worker;
        _key = key;
        _parameters = key.ExportParameters(includePrivateParameters: true);
        var spki = key.ExportSubjectPublicKeyInfo();
        PublicKey = Convert.ToBase64String(spki);
        KeyId = ReplyCanonicalForm.KeyId(spki);
    }

    public string Worker { get; }

    /// <summary>Base64 of the public key's SubjectPublicKeyInfo, as membership announces it.</summary>
    public string PublicKey { get; }

    public string KeyId { get; }

    /// <summary>The public key as PEM, e.g. to pin it in another node's trust store.</summary>
    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    public ReplySignature Sign(byte[] canonical)
    {
        if (!_idle.TryTake(out var key))
        {
            key = ECDsa.Create(_parameters);
        }

        try
        {
            return ReplySignatures.Sign(key, KeyId, Worker, canonical);
        }
        finally
        {
            _idle.Add(key);
        }
    }

    public void Dispose()
    {
        if (_parameters.D is { } secret)
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        _key.Dispose();
        while (_idle.TryTake(out var key))
        {
            key.Dispose();
        }
    }
}
