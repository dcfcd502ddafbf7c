namespace TrustChain.Runtime;

/// <summary>A worker's claim on its queue: its name, the topics bound to it, and how many tasks it takes at once.</summary>
public sealed record WorkerSubscription(string Worker, IReadOnlyCollection<string> Topics, int Concurrency);
