using System.Security.Cryptography;
using TrustChain.Messages;

namespace TrustChain.Signing;

/// <summary>One hosted worker's private key: it signs every verdict and result the worker sends.</summary>
public sealed class WorkerKey : IDisposable
{
    private readonly Lock _gate = new();
    private readonly ECDsa _key;

    internal WorkerKey(string worker, ECDsa key)
    {
        Worker = worker;
        _key = key;
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
        // An ECDsa instance is not documented as safe for concurrent use, and a worker signs from many tasks at once.
        lock (_gate)
        {
            return ReplySignatures.Sign(_key, KeyId, Worker, canonical);
        }
    }

    public void Dispose() => _key.Dispose();
}
