using TrustChain.Messages;

namespace TrustChain;

/// <summary>One worker's accepted verdict, as the outcome reports it, with the worker's signature over it.</summary>
public sealed record WorkerVerdict(string Worker, bool Interested, DateTimeOffset At, ReplySignature? Signature = null);
