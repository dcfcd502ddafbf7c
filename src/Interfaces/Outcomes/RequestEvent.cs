using Orleans;
using Orleans.Concurrency;
namespace TrustChain;

/// <summary>
/// One entry of a request's journal, in the order the owner's grain applied it. Sequences start at 1 and have no
/// gaps, so a reader that saw up to N asks for what came after N and misses nothing.
/// </summary>
/// <param name="Worker">The worker concerned, for verdicts, results, leases, rejections and nested dispatches.</param>
/// <param name="Interested">For <see cref="RequestEventKind.Verdict"/>: the worker's verdict.</param>
/// <param name="ResultStatus">For <see cref="RequestEventKind.Result"/> and <see cref="RequestEventKind.LeaseLost"/>.</param>
/// <param name="Reason">For <see cref="RequestEventKind.Rejected"/>: why.</param>
/// <param name="ReplyKind">For <see cref="RequestEventKind.Rejected"/>: <c>verdict</c> or <c>result</c>.</param>
/// <param name="ChildRequestId">For <see cref="RequestEventKind.ChildDispatched"/>: the nested request.</param>
/// <param name="ChildTopic">For <see cref="RequestEventKind.ChildDispatched"/>: its topic.</param>
/// <param name="Expected">For <see cref="RequestEventKind.Dispatched"/>: the workers expected to answer.</param>
/// <param name="Outcome">For <see cref="RequestEventKind.Completed"/>: the outcome as the grain joined it.</param>
/// <param name="Decision">For <see cref="RequestEventKind.Decided"/> and <see cref="RequestEventKind.DecisionApplied"/>.</param>
/// <param name="AckStatus">For <see cref="RequestEventKind.DecisionApplied"/>: what the participant did.</param>
/// <param name="Detail">For <see cref="RequestEventKind.Verdict"/>: the problem of a worker that could not read the task;
/// for <see cref="RequestEventKind.Decided"/>: why; for <see cref="RequestEventKind.DecisionApplied"/>: the
/// participant's description of its effects.</param>
[GenerateSerializer, Immutable]
public sealed record RequestEvent(
    long Sequence,
    RequestEventKind Kind,
    DateTimeOffset At,
    RequestId RequestId,
    string? Worker = null,
    bool? Interested = null,
    WorkerResultStatus? ResultStatus = null,
    RejectionReason? Reason = null,
    string? ReplyKind = null,
    RequestId? ChildRequestId = null,
    string? ChildTopic = null,
    IReadOnlyList<string>? Expected = null,
    RequestOutcome? Outcome = null,
    Decision? Decision = null,
    DecisionAckStatus? AckStatus = null,
    string? Detail = null);
