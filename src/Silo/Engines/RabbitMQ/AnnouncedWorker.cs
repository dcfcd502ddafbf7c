namespace TrustChain.Engines.RabbitMQ;

/// <summary>One worker hosted by an announcing node, with the public key its instance there signs with.</summary>
/// <param name="PublicKey">Base64 SubjectPublicKeyInfo; a claim that the receiving node's trust store judges.</param>
public sealed record AnnouncedWorker(string Worker, IReadOnlyList<string> Topics, string? PublicKey = null);
