namespace TrustChain.Api;

/// <summary>One worker of <c>GET /workers</c>.</summary>
/// <param name="Instances">The nodes its live instances run on.</param>
/// <param name="PublicKeys">The public keys (base64 SubjectPublicKeyInfo) this node verifies its replies with: the
/// pinned key, or else the keys its live instances announce. A client verifies an outcome with these.</param>
public sealed record WorkerEntry(
    string Name,
    IReadOnlyList<string> Topics,
    IReadOnlyList<string> Instances,
    IReadOnlyList<string> PublicKeys);
