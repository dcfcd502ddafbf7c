namespace TrustChain.Runtime;

/// <summary>One worker as membership sees it.</summary>
public sealed record WorkerMembership(string Worker, IReadOnlyCollection<string> Topics, IReadOnlyCollection<string> Instances);
