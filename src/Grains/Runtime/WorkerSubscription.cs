namespace TrustChain.Runtime;

/// <summary>A worker's claim on its queue: its name, the topics bound to it, and how many tasks it takes at once.</summary>
/// <param name="PublicKey">The instance's public key (base64 SubjectPublicKeyInfo), announced with membership.</param>
public sealed record WorkerSubscription(string Worker, IReadOnlyCollection<string> Topics, int Concurrency, string? PublicKey = null);
