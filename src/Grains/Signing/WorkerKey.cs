using System.Text.Json;
using TrustChain.Messages;

namespace TrustChain.Signing;

/// <summary>One hosted worker's private key: it signs every verdict and result the worker sends.</summary>
public sealed class WorkerKey : IDisposable
{
    private readonly ReplySigningKey _key;

    internal WorkerKey(string worker, ReplySigningKey key)
    {
        Worker = worker;
        _key = key;
        PublicKey = key.SubjectPublicKeyInfo;
    }

    public string Worker { get; }

    /// <summary>Its <see cref="ReplyAlgorithms"/> name.</summary>
    public string Algorithm => _key.Algorithm;

    /// <summary>Base64 of the public key's SubjectPublicKeyInfo, as membership announces it (it names the algorithm).</summary>
    public string PublicKey { get; }

    public string KeyId => _key.KeyId;

    /// <summary>The public key as PEM, e.g. to pin it in another node's trust store.</summary>
    public string PublicKeyPem => _key.PublicKeyPem;

    /// <summary>The worker's signature over a verdict, built in a pooled buffer.</summary>
    public ReplySignature SignVerdict(RequestId requestId, string topic, bool interested)
    {
        using var canonical = ReplyCanonicalForm.RentVerdict(requestId, topic, Worker, interested);
        return _key.Sign(Worker, canonical.Span);
    }

    /// <summary>The worker's signature over a result, built in a pooled buffer; the payload as it is sent.</summary>
    public ReplySignature SignResult(RequestId requestId, string topic, bool succeeded, JsonElement? payload, string? error, IReadOnlyList<RequestOutcome> children)
    {
        using var canonical = ReplyCanonicalForm.RentResult(requestId, topic, Worker, succeeded, payload, error, children);
        return _key.Sign(Worker, canonical.Span);
    }

    /// <summary>The worker's signature over canonical bytes built elsewhere (<see cref="ReplyCanonicalForm"/>).</summary>
    public ReplySignature Sign(ReadOnlySpan<byte> canonical) => _key.Sign(Worker, canonical);

    public void Dispose() => _key.Dispose();
}
