namespace TrustChain.Runtime;

/// <summary>One worker as membership sees it, with the public keys its instances announce.</summary>
public sealed record WorkerMembership(string Worker, IReadOnlyCollection<string> Topics, IReadOnlyCollection<string> Instances, IReadOnlyCollection<string>? PublicKeys = null);
