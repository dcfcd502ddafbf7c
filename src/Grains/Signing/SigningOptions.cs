namespace TrustChain.Signing;

/// <summary>Keys, trust and policy of signed replies: the <c>TrustChain:Signing</c> section. Validated at start.</summary>
public sealed class SigningOptions
{
    public const string SectionName = "TrustChain:Signing";

    /// <summary>
    /// What the dispatchers of this silo or client demand of the replies to their requests, checked by the request's
    /// grain. Unset: <see cref="SigningPolicy.None"/> (replies travel as grain calls inside one trusted cluster); set
    /// <see cref="SigningPolicy.Signed"/> where a worker's silo is not trusted to speak for another worker.
    /// </summary>
    public SigningPolicy? Policy { get; set; }

    /// <summary>Per-topic policies (<c>TrustChain:Signing:Topics:&lt;topic&gt;</c>), over <see cref="Policy"/>.</summary>
    public Dictionary<string, SigningPolicy> Topics { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Private key of each hosted worker: path of a PEM file, PKCS#8 (<c>-----BEGIN PRIVATE KEY-----</c>) of an
    /// Ed25519 or P-256 key, or SEC1 (<c>-----BEGIN EC PRIVATE KEY-----</c>) of a P-256 key. The worker signs with the
    /// algorithm of its key.
    /// </summary>
    public Dictionary<string, string> Keys { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A folder of <c>&lt;worker&gt;.pem</c> private keys for the workers <see cref="Keys"/> does not name; a missing
    /// one is generated there at start, so the worker keeps its key across restarts.
    /// </summary>
    public string? KeyFolder { get; set; }

    /// <summary>
    /// The algorithm of the keys this node generates (<see cref="KeyFolder"/>'s missing keys, development keys):
    /// <see cref="ReplyAlgorithms.Ed25519"/> unless set; <see cref="ReplyAlgorithms.EcdsaP256Sha256"/> where P-256 is
    /// required. Keys read from files keep their own.
    /// </summary>
    public string Algorithm { get; set; } = ReplyAlgorithms.Ed25519;

    /// <summary>
    /// Pinned public keys (<c>TrustChain:Signing:TrustedKeys:&lt;worker&gt;</c>, PEM or base64 SubjectPublicKeyInfo of an
    /// Ed25519 or P-256 key):
    /// a pinned worker is trusted only with this key, and any other key announced for it is refused.
    /// </summary>
    public Dictionary<string, string> TrustedKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether this node's workers sign their replies. Default true; false only to measure what signing costs, or in
    /// a single process that trusts itself: a dispatcher under <see cref="SigningPolicy.Signed"/> rejects them all.
    /// </summary>
    public bool SignReplies { get; set; } = true;

    public SigningPolicy PolicyFor(string topic) =>
        Topics.TryGetValue(topic, out var policy) ? policy : Policy ?? SigningPolicy.None;
}
