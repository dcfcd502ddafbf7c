using Orleans;
using Orleans.Concurrency;
namespace TrustChain.Messages;

/// <summary>
/// The grain's answer to an Interested verdict. When <see cref="Accepted"/> is false the worker must drop its work
/// and any tentative side effect; <see cref="Reason"/> says why (most often the interest window had closed).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record VerdictReply(
    RequestId RequestId,
    string Worker,
    string Instance,
    bool Accepted,
    RejectionReason? Reason = null);
