using Orleans;
using Orleans.Concurrency;
namespace TrustChain;

/// <summary>A verdict or result the grain refused, listed in the outcome so that nothing is silently dropped.</summary>
/// <param name="Kind"><c>verdict</c> or <c>result</c>.</param>
[GenerateSerializer, Immutable]
public sealed record RejectedReply(string Worker, string Kind, RejectionReason Reason, DateTimeOffset At);
