namespace TrustChain;

/// <summary>One worker's accepted verdict, as the outcome reports it.</summary>
public sealed record WorkerVerdict(string Worker, bool Interested, DateTimeOffset At);
