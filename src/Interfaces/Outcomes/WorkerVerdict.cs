using Orleans;
using Orleans.Concurrency;
using TrustChain.Messages;

namespace TrustChain;

/// <summary>One worker's accepted verdict, as the outcome reports it, with the worker's signature over it.</summary>
/// <param name="Problem">Set when the worker could not read the payload (or failed to decide): it is not interested,
/// and the request cannot end <see cref="RequestStatus.Completed"/> or <see cref="RequestStatus.NoInterest"/>.</param>
[GenerateSerializer, Immutable]
public sealed record WorkerVerdict(string Worker, bool Interested, DateTimeOffset At, ReplySignature? Signature = null, string? Problem = null);
