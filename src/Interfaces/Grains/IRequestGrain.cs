using Orleans;
using Orleans.Concurrency;
using TrustChain.Messages;

namespace TrustChain;

/// <summary>
/// The single writer of one request, keyed by its <see cref="RequestId"/>: expected workers, verdicts, results,
/// leases, deadline, outcome and decision (DESIGN.md, steps 1–7). Workers reply with calls to it; it never awaits a
/// worker, so no call cycle through it can deadlock.
/// </summary>
public interface IRequestGrain : IGrainWithStringKey
{
    /// <summary>
    /// Opens the request: snapshots the workers live silos host for the topic, persists, and publishes the task.
    /// Starting the same id again is harmless and changes nothing. With <paramref name="decideWhenEnded"/> the request
    /// decides itself as it ends, by the dispatcher's rule (Commit when it ends Completed or
    /// NoInterest, Abort otherwise), in the same write that stores
    /// its end; without it the dispatcher calls <see cref="DecideAsync"/>.
    /// </summary>
    Task StartAsync(TaskMessage task, TimeSpan interestWindow, bool decideWhenEnded);

    /// <summary>
    /// The outcome once the request has ended, waiting up to <paramref name="wait"/> for it; null while it still runs.
    /// A caller waiting longer than Orleans' response timeout asks again.
    /// </summary>
    [AlwaysInterleave]
    Task<RequestOutcome?> WaitForOutcomeAsync(TimeSpan wait);

    /// <summary>Records a verdict (step 2) and answers it; only an accepted Interested verdict lets the worker work.</summary>
    [AlwaysInterleave]
    Task<VerdictReply> OnVerdictAsync(VerdictMessage verdict);

    /// <summary>Accepts a worker's one result (step 4), or says why not; null means accepted.</summary>
    [AlwaysInterleave]
    Task<RejectionReason?> OnResultAsync(ResultMessage result);

    /// <summary>Extends an interested worker's lease; false when there is no pending lease to extend.</summary>
    [AlwaysInterleave]
    Task<bool> OnLeaseRenewalAsync(LeaseRenewal renewal);

    /// <summary>
    /// Journals a nested request one of this request's workers dispatched. The entry has no write of its own: the
    /// request's next write stores it (the dispatching worker's result at the latest).
    /// </summary>
    [AlwaysInterleave]
    Task OnChildDispatchedAsync(ChildDispatched child);

    /// <summary>Cancels the request if it still runs; its workers and nested requests are told.</summary>
    Task<RequestQueryAnswer> CancelAsync();

    /// <summary>
    /// Makes sure a request that has not ended runs in a live activation, its timers armed, and is on the running
    /// list of the silo it runs on now (<see cref="IRunningRequestsGrain"/>): the list of a silo that died calls it.
    /// Returns the key of that list, or null when the request needs none (ended, forgotten or never started).
    /// </summary>
    Task<string?> ResumeAsync();

    /// <summary>Drops the request's state at once (the list of recent requests is full); it reads as unknown after.</summary>
    [OneWay]
    Task ForgetAsync();

    /// <summary>
    /// Records the decision (step 7) and sends it to every participant. A request still running keeps the decision
    /// and applies it as it ends. False when the request was already decided or is unknown.
    /// </summary>
    Task<bool> DecideAsync(Decision decision, string reason);

    /// <summary>
    /// Records a participant's acknowledgement of the decision. One way: the participant has nothing to learn from
    /// the answer (an acknowledgement that matches no decision is ignored, and a lost one leaves the decision shown
    /// unacknowledged, never undone).
    /// </summary>
    [OneWay, AlwaysInterleave]
    Task OnDecisionAckAsync(DecisionAck ack);

    /// <summary>The state so far (or the outcome) with the whole journal; null for a request nobody started.</summary>
    [AlwaysInterleave]
    Task<RequestState?> GetAsync();

    /// <summary>
    /// The journal after <paramref name="after"/>; when nothing is new and the request still runs, waits up to
    /// <paramref name="wait"/> for the next entries. Null for a request nobody started.
    /// </summary>
    [AlwaysInterleave]
    Task<RequestEventsPage?> EventsAfterAsync(long after, TimeSpan wait);
}
