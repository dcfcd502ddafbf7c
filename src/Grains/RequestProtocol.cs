using System.Text.Json;
using TrustChain.Messages;
using TrustChain.Signing;

namespace TrustChain.Grains;

/// <summary>
/// The whole protocol state of one request, held by its <c>RequestGrain</c>: expected workers, verdicts, interest closure,
/// leases, results, deadline and outcome (DESIGN.md, lifecycle steps 1–6), then the decision on the ended request
/// and who acknowledged it (step 7).
/// </summary>
/// <remarks>
/// Pure logic: no I/O, no locks, no timers of its own. Time is read from the <see cref="TimeProvider"/>;
/// the grain calls it one transition at a time and calls <see cref="OnTimer"/> once
/// <see cref="NextDueAt"/> has come. Every input first applies the timed transitions that are already due, in the
/// order they fell due, so a late timer callback can never let a late verdict or result slip in.
/// </remarks>
public sealed class RequestProtocol
{
    private readonly TimeProvider _time;
    private readonly HashSet<string> _expected;
    private readonly Dictionary<string, WorkerVerdict> _verdicts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Participant> _interested = new(StringComparer.Ordinal);
    private readonly List<RejectedReply> _rejected = [];
    private readonly List<RequestEvent> _events = [];
    private readonly List<DecisionAcknowledgement> _acknowledgements = [];
    private readonly List<string> _redeliveries = [];
    private readonly Func<RequestOutcome, RequestOutcome>? _join;
    private (Decision Decision, string Reason, DateTimeOffset At)? _decided;

    /// <param name="join">Folds the outcome once, as the request ends (the topic's aggregator sets the combined value),
    /// so that the outcome, its snapshot and the journal's <see cref="RequestEventKind.Completed"/> event all carry it.
    /// It must be a pure function.</param>
    /// <param name="signing">Under <see cref="SigningPolicy.Signed"/> only replies whose signature the host found valid count.</param>
    public RequestProtocol(TaskMessage task, IEnumerable<string> expectedWorkers, TimeSpan interestWindow, TimeProvider time, Func<RequestOutcome, RequestOutcome>? join = null, SigningPolicy signing = SigningPolicy.None)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(expectedWorkers);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(task.LeaseDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(interestWindow, TimeSpan.Zero);

        Task = task;
        Signing = signing;
        _time = time;
        _join = join;
        _expected = new HashSet<string>(expectedWorkers, StringComparer.Ordinal);
        InterestWindowEndsAt = task.DispatchedAt + interestWindow;
        Record(new RequestEvent(0, RequestEventKind.Dispatched, task.DispatchedAt, task.RequestId, Expected: _expected.Order(StringComparer.Ordinal).ToList()));

        // No subscriber at all: interest is closed by the (empty) set of verdicts, and nobody is interested.
        CloseIfAllExpectedAnswered(task.DispatchedAt);
        TryComplete(task.DispatchedAt);
    }

    private RequestProtocol(RequestRecord record, TimeProvider time, Func<RequestOutcome, RequestOutcome>? join)
    {
        Task = record.Outcome is null ? record.Task : record.Task.WithoutPayload();
        Signing = record.Signing;
        _time = time;
        _join = join;
        _expected = new HashSet<string>(record.Expected, StringComparer.Ordinal);
        InterestWindowEndsAt = record.InterestWindowEndsAt;
        InterestClosedAt = record.InterestClosedAt;
        Outcome = record.Outcome;
        foreach (var verdict in record.Verdicts)
        {
            _verdicts[verdict.Worker] = verdict;
        }

        foreach (var participant in record.Participants)
        {
            _interested[participant.Worker] = Participant.From(participant);
        }

        // Renewals are not persisted: a pending worker may have renewed since the record was written, so its lease
        // runs at least one lease from the restore (a dead worker costs one lease more, then its redelivery or loss).
        var leaseFloor = time.GetUtcNow() + record.Task.LeaseDuration;
        foreach (var participant in _interested.Values)
        {
            if (participant.Status == WorkerResultStatus.Pending && participant.LeaseExpiresAt < leaseFloor)
            {
                participant.LeaseExpiresAt = leaseFloor;
            }
        }

        _rejected.AddRange(record.Rejected);
        _events.AddRange(record.Events.Select(e => e.Kind == RequestEventKind.Completed && e.Outcome is null ? e with { Outcome = record.Outcome } : e));
        _acknowledgements.AddRange(record.Acknowledgements);
        _decided = record.Decision is { } decided ? (decided.Decision, decided.Reason, decided.At) : null;
    }

    /// <summary>A protocol state as persisted, brought back on a new activation: nothing is replayed or lost.</summary>
    public static RequestProtocol Restore(RequestRecord record, TimeProvider time, Func<RequestOutcome, RequestOutcome>? join = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(time);
        return new RequestProtocol(record, time, join);
    }

    /// <summary>
    /// Everything this request holds, as data to persist, each thing once: the journal's
    /// <see cref="RequestEventKind.Completed"/> event leaves out the outcome, which the record carries beside it, and
    /// after the end the participants keep only what the decision needs (the results are in the outcome).
    /// <see cref="Restore"/> puts them back together.
    /// </summary>
    public RequestRecord Export() => new(
        Task,
        Signing,
        _expected.Order(StringComparer.Ordinal).ToList(),
        InterestWindowEndsAt,
        InterestClosedAt,
        Outcome,
        _verdicts.Values.ToList(),
        _interested.Values.Select(p => IsCompleted ? p.ToEndedRecord() : p.ToRecord()).ToList(),
        _rejected.ToList(),
        _events.Select(e => e.Kind == RequestEventKind.Completed ? e with { Outcome = null } : e).ToList(),
        _acknowledgements.ToList(),
        _decided is { } decided ? new RequestRecord.Decided(decided.Decision, decided.Reason, decided.At) : null);

    /// <summary>The task; once the request has ended, without its payload, which nobody reads after the end.</summary>
    public TaskMessage Task { get; private set; }

    /// <summary>Whether replies must be signed to count; the dispatcher's policy, which no worker can lower.</summary>
    public SigningPolicy Signing { get; }

    public RequestId Id => Task.RequestId;

    /// <summary>The workers subscribed to the topic at dispatch time.</summary>
    public IReadOnlyCollection<string> Expected => _expected;

    public DateTimeOffset InterestWindowEndsAt { get; }

    public DateTimeOffset? InterestClosedAt { get; private set; }

    public bool IsInterestClosed => InterestClosedAt is not null;

    /// <summary>Set once, when the request ends.</summary>
    public RequestOutcome? Outcome { get; private set; }

    public bool IsCompleted => Outcome is not null;

    public RequestStatus Status => Outcome?.Status ?? RequestStatus.Running;

    /// <summary>The decision on the ended request and its acknowledgements so far; null until decided.</summary>
    public RequestDecision? Decision => _decided is { } decided
        ? new RequestDecision(
            decided.Decision,
            decided.Reason,
            decided.At,
            _acknowledgements.ToList(),
            _interested.Keys.Where(w => !HasAcknowledged(w)).Order(StringComparer.Ordinal).ToList())
        : null;

    /// <summary>Decided, and every interested worker has acknowledged.</summary>
    public bool IsSettled
    {
        get
        {
            if (_decided is null)
            {
                return false;
            }

            // Asked after every acknowledgement and every write: loops, not a closure per worker per call.
            foreach (var worker in _interested.Keys)
            {
                if (!HasAcknowledged(worker))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>The journal: every step so far, in order, from <see cref="RequestEventKind.Dispatched"/> on.</summary>
    public IReadOnlyList<RequestEvent> Events => _events;

    /// <summary>The sequence of the last event recorded.</summary>
    public long LastSequence => _events.Count;

    /// <summary>The events recorded after <paramref name="sequence"/> (0 for all).</summary>
    public IReadOnlyList<RequestEvent> EventsAfter(long sequence)
    {
        var from = (int)Math.Clamp(sequence, 0, _events.Count);
        return _events.GetRange(from, _events.Count - from);
    }

    /// <summary>The earliest moment at which time alone changes the state, or null when nothing is scheduled.</summary>
    public DateTimeOffset? NextDueAt
    {
        get
        {
            if (IsCompleted)
            {
                return null;
            }

            var next = Task.Deadline;
            if (!IsInterestClosed && InterestWindowEndsAt < next)
            {
                next = InterestWindowEndsAt;
            }

            foreach (var participant in _interested.Values)
            {
                if (participant.Status == WorkerResultStatus.Pending && participant.LeaseExpiresAt < next)
                {
                    next = participant.LeaseExpiresAt;
                }
            }

            return next;
        }
    }

    /// <summary>Records a verdict (step 2) and answers it. Only an accepted Interested verdict lets the worker work.</summary>
    /// <param name="signatureProblem">What the host found wrong with the verdict's signature; null when it verified
    /// (checking is I/O and crypto, so it happens before the grain; what counts is decided here).</param>
    public VerdictReply OnVerdict(VerdictMessage verdict, RejectionReason? signatureProblem = null)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var now = Advance();

        var refusal = IsCompleted ? RejectionReason.RequestEnded : SignatureRefusal(signatureProblem) ?? RefuseVerdict(verdict);
        if (refusal is { } reason)
        {
            if (reason != RejectionReason.RequestEnded)
            {
                Reject(verdict.Worker, "verdict", reason, now);
            }

            return Reply(verdict, reason);
        }

        if (_verdicts.TryGetValue(verdict.Worker, out var earlier))
        {
            // The same verdict again, e.g. a task redelivered to another instance: harmless, answered as before,
            // so the instance that now holds the task does the work the first one may not have finished.
            var status = earlier.Interested ? _interested[verdict.Worker].Status : WorkerResultStatus.Pending;
            if (earlier.Interested && status == WorkerResultStatus.Pending && _interested[verdict.Worker] is { } participant
                && participant.LeaseExpiresAt < now + Task.LeaseDuration)
            {
                // The instance that now holds the task starts its work: a full lease from now, not what is left of
                // the one measured from the lapse (reaching a live silo may have taken most of it).
                participant.LeaseExpiresAt = now + Task.LeaseDuration;
            }

            return status switch
            {
                WorkerResultStatus.Pending => Reply(verdict, null),
                WorkerResultStatus.Lost => Reply(verdict, RejectionReason.LeaseExpired),
                _ => Reply(verdict, RejectionReason.DuplicateResult),
            };
        }

        // A worker that could not read the task is recorded as not interested, with its problem: never a consent.
        var interested = verdict.Interested && verdict.Problem is null;
        _verdicts[verdict.Worker] = new WorkerVerdict(verdict.Worker, interested, now, verdict.Signature, verdict.Problem);
        Record(new RequestEvent(0, RequestEventKind.Verdict, now, Id, verdict.Worker, interested, Detail: verdict.Problem));
        if (interested)
        {
            _interested[verdict.Worker] = new Participant(verdict.Worker, now, now + Task.LeaseDuration);
        }

        CloseIfAllExpectedAnswered(now);
        TryComplete(now);
        return Reply(verdict, null);
    }

    /// <summary>Accepts a worker's one result (step 4), or says why not. Null means accepted.</summary>
    /// <param name="signatureProblem">As for <see cref="OnVerdict"/>: an unverified result never counts under
    /// <see cref="SigningPolicy.Signed"/>, so a forgery can neither fill nor block the worker's place.</param>
    public RejectionReason? OnResult(ResultMessage result, RejectionReason? signatureProblem = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var now = Advance();

        RejectionReason? refusal = IsCompleted ? RejectionReason.RequestEnded
            : SignatureRefusal(signatureProblem) is { } unsigned ? unsigned
            : !string.Equals(result.Topic, Task.Topic, StringComparison.Ordinal) ? RejectionReason.TopicMismatch
            : !_interested.TryGetValue(result.Worker, out var participant) ? RejectionReason.NotInterested
            : participant.Status == WorkerResultStatus.Lost ? RejectionReason.LeaseExpired
            : participant.Status != WorkerResultStatus.Pending ? RejectionReason.DuplicateResult
            : null;

        if (refusal is { } reason)
        {
            if (reason != RejectionReason.RequestEnded)
            {
                Reject(result.Worker, "result", reason, now);
            }

            return reason;
        }

        var accepted = _interested[result.Worker];
        accepted.Status = result.Succeeded ? WorkerResultStatus.Succeeded : WorkerResultStatus.Failed;
        accepted.Payload = result.Payload;
        accepted.Error = result.Error;
        accepted.Children = result.Children;
        accepted.StartedAt = result.StartedAt;
        accepted.CompletedAt = now;
        accepted.Signature = result.Signature;
        Record(new RequestEvent(0, RequestEventKind.Result, now, Id, result.Worker, ResultStatus: accepted.Status));

        TryComplete(now);
        return null;
    }

    /// <summary>Extends an interested worker's lease. False when there is no pending lease to extend.</summary>
    public bool OnLeaseRenewal(LeaseRenewal renewal)
    {
        ArgumentNullException.ThrowIfNull(renewal);
        var now = Advance();
        if (IsCompleted || !_interested.TryGetValue(renewal.Worker, out var participant) || participant.Status != WorkerResultStatus.Pending)
        {
            return false;
        }

        participant.LeaseExpiresAt = now + Task.LeaseDuration;
        return true;
    }

    /// <summary>
    /// Journals a nested request that an interested worker dispatched. It changes no count: the nested outcome
    /// arrives joined under the worker's result. False when the request has ended or the worker is not one of its
    /// pending participants.
    /// </summary>
    public bool OnChildDispatched(ChildDispatched child)
    {
        ArgumentNullException.ThrowIfNull(child);
        var now = Advance();
        if (IsCompleted || !_interested.TryGetValue(child.Worker, out var participant) || participant.Status != WorkerResultStatus.Pending)
        {
            return false;
        }

        Record(new RequestEvent(0, RequestEventKind.ChildDispatched, now, Id, child.Worker, ChildRequestId: child.ChildRequestId, ChildTopic: child.ChildTopic));
        return true;
    }

    /// <summary>Ends the request as <see cref="RequestStatus.Cancelled"/>. False when it had already ended.</summary>
    public bool Cancel()
    {
        var now = Advance();
        if (IsCompleted)
        {
            return false;
        }

        Finish(RequestStatus.Cancelled, now, WorkerResultStatus.Cancelled);
        return true;
    }

    /// <summary>
    /// Records the dispatcher's decision on the ended request (step 7). False when the request is still running or
    /// was already decided: a request is decided once.
    /// </summary>
    public bool Decide(Decision decision, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var now = Advance();
        if (!IsCompleted || _decided is not null)
        {
            return false;
        }

        _decided = (decision, reason, now);
        Record(new RequestEvent(0, RequestEventKind.Decided, now, Id, Decision: decision, Detail: reason));
        return true;
    }

    /// <summary>
    /// Records a participant's acknowledgement of the decision. Every acknowledgement is journaled (a redelivered
    /// decision shows as <see cref="DecisionAckStatus.AlreadyApplied"/>); the first of each worker is the one the
    /// decision keeps. False when it is not an acknowledgement of this request's decision by one of its participants.
    /// </summary>
    public bool OnDecisionAck(DecisionAck ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        var now = Advance();
        if (_decided is not { } decided || ack.Decision != decided.Decision || !_interested.ContainsKey(ack.Worker))
        {
            return false;
        }

        Record(new RequestEvent(0, RequestEventKind.DecisionApplied, now, Id, ack.Worker, Decision: ack.Decision, AckStatus: ack.Status, Detail: ack.Detail));
        if (!HasAcknowledged(ack.Worker))
        {
            _acknowledgements.Add(new DecisionAcknowledgement(ack.Worker, ack.Instance, ack.Status, now, ack.Detail));
        }

        return true;
    }

    /// <summary>Applies whatever time alone has made due: closure by window, lost leases, the deadline.</summary>
    public void OnTimer() => Advance();

    private bool HasAcknowledged(string worker)
    {
        foreach (var acknowledgement in _acknowledgements)
        {
            if (string.Equals(acknowledgement.Worker, worker, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The state so far, shaped as an outcome (status <see cref="RequestStatus.Running"/> until it ends).</summary>
    public RequestOutcome Snapshot() => Outcome is { } outcome
        ? (_decided is null ? outcome : outcome with { Decision = Decision })
        : BuildOutcome(RequestStatus.Running, _time.GetUtcNow());

    /// <summary>
    /// The workers whose lease lapsed once since the last call: the host sends each its task again. Taking them
    /// empties the list.
    /// </summary>
    public IReadOnlyList<string> TakeRedeliveries()
    {
        if (_redeliveries.Count == 0)
        {
            return [];
        }

        var taken = _redeliveries.Where(w => _interested[w].Status == WorkerResultStatus.Pending).ToArray();
        _redeliveries.Clear();
        return taken;
    }

    /// <summary>Expected workers without a verdict while interest is open: those a resumed request sends its task to again.</summary>
    public IReadOnlyList<string> AwaitedVerdicts() =>
        IsInterestClosed ? [] : _expected.Where(w => !_verdicts.ContainsKey(w)).Order(StringComparer.Ordinal).ToList();

    /// <summary>The workers that were still working when the request ended, or are now.</summary>
    public IReadOnlyList<string> WorkersStillWorking() =>
        _interested.Values
            .Where(p => p.Status is WorkerResultStatus.Pending or WorkerResultStatus.TimedOut or WorkerResultStatus.Cancelled)
            .Select(p => p.Worker)
            .ToList();

    private RejectionReason? RefuseVerdict(VerdictMessage verdict)
    {
        if (IsCompleted)
        {
            return RejectionReason.RequestEnded;
        }

        if (!string.Equals(verdict.Topic, Task.Topic, StringComparison.Ordinal))
        {
            return RejectionReason.TopicMismatch;
        }

        if (_verdicts.TryGetValue(verdict.Worker, out var earlier))
        {
            return earlier.Interested == (verdict.Interested && verdict.Problem is null) ? null : RejectionReason.ConflictingVerdict;
        }

        return IsInterestClosed ? RejectionReason.InterestClosed : null;
    }

    private RejectionReason? SignatureRefusal(RejectionReason? signatureProblem) =>
        Signing == SigningPolicy.Signed ? signatureProblem : null;

    private static VerdictReply Reply(VerdictMessage verdict, RejectionReason? refusal) =>
        new(verdict.RequestId, verdict.Worker, verdict.Instance, refusal is null, refusal);

    /// <summary>Applies every timed transition due by now, earliest first, and returns now.</summary>
    private DateTimeOffset Advance()
    {
        var now = _time.GetUtcNow();
        while (NextDueAt is { } due && due <= now)
        {
            ApplyDue(due);
        }

        return now;
    }

    private void ApplyDue(DateTimeOffset at)
    {
        if (at >= Task.Deadline)
        {
            Finish(RequestStatus.TimedOut, Task.Deadline, WorkerResultStatus.TimedOut);
            return;
        }

        if (!IsInterestClosed && InterestWindowEndsAt <= at)
        {
            CloseInterest(InterestWindowEndsAt);
        }

        foreach (var participant in _interested.Values)
        {
            if (participant.Status == WorkerResultStatus.Pending && participant.LeaseExpiresAt <= at && !participant.Redelivered)
            {
                // The first lapse: the task goes once more to that worker, on a live silo, with a fresh lease.
                participant.Redelivered = true;
                var lapsedAt = participant.LeaseExpiresAt;
                participant.LeaseExpiresAt = lapsedAt + Task.LeaseDuration;
                _redeliveries.Add(participant.Worker);
                Record(new RequestEvent(0, RequestEventKind.Redelivered, lapsedAt, Id, participant.Worker));
            }
            else if (participant.Status == WorkerResultStatus.Pending && participant.LeaseExpiresAt <= at)
            {
                participant.Status = WorkerResultStatus.Lost;
                participant.CompletedAt = participant.LeaseExpiresAt;
                Record(new RequestEvent(0, RequestEventKind.LeaseLost, participant.LeaseExpiresAt, Id, participant.Worker, ResultStatus: WorkerResultStatus.Lost));
            }
        }

        TryComplete(at);
    }

    private void CloseIfAllExpectedAnswered(DateTimeOffset now)
    {
        if (!IsInterestClosed && _expected.All(_verdicts.ContainsKey))
        {
            CloseInterest(now);
        }
    }

    private void CloseInterest(DateTimeOffset at)
    {
        InterestClosedAt = at;
        Record(new RequestEvent(0, RequestEventKind.InterestClosed, at, Id));
    }

    private void Reject(string worker, string replyKind, RejectionReason reason, DateTimeOffset at)
    {
        _rejected.Add(new RejectedReply(worker, replyKind, reason, at));
        Record(new RequestEvent(0, RequestEventKind.Rejected, at, Id, worker, Reason: reason, ReplyKind: replyKind));
    }

    /// <summary>Appends to the journal, numbering the event.</summary>
    private void Record(RequestEvent entry) => _events.Add(entry with { Sequence = _events.Count + 1 });

    /// <summary>Step 5: complete only once interest is closed AND every interested worker is accounted for.</summary>
    private void TryComplete(DateTimeOffset now)
    {
        if (IsCompleted || !IsInterestClosed || _interested.Values.Any(p => p.Status == WorkerResultStatus.Pending))
        {
            return;
        }

        // Silence is not consent: an expected worker without a verdict, or one that could not read the task, keeps
        // the request from ending Completed or NoInterest (DESIGN.md, step 3).
        var unaccounted = SilentWorkers() is not null || _verdicts.Values.Any(v => v.Problem is not null);
        var status = unaccounted ? RequestStatus.Partial
            : _interested.Count == 0 ? RequestStatus.NoInterest
            : _interested.Values.All(p => p.Status == WorkerResultStatus.Succeeded) ? RequestStatus.Completed
            : RequestStatus.Partial;
        Finish(status, now, pendingBecome: WorkerResultStatus.Pending);
    }

    private void Finish(RequestStatus status, DateTimeOffset at, WorkerResultStatus pendingBecome)
    {
        foreach (var participant in _interested.Values.Where(p => p.Status == WorkerResultStatus.Pending))
        {
            participant.Status = pendingBecome;
            participant.CompletedAt = at;
        }

        if (!IsInterestClosed)
        {
            CloseInterest(at);
        }

        var outcome = BuildOutcome(status, at);
        Outcome = _join is null ? outcome : _join(outcome);
        Record(new RequestEvent(0, RequestEventKind.Completed, at, Id, Outcome: Outcome));

        // Nothing reads the payload after the end (no redelivery, no outcome carries it): the retained request keeps
        // its results, not its body.
        Task = Task.WithoutPayload();
    }

    private RequestOutcome BuildOutcome(RequestStatus status, DateTimeOffset at) => new(
        Task.RequestId,
        Task.Topic,
        status,
        Task.DispatchedAt,
        at,
        _interested.Values.OrderBy(p => p.InterestedAt).ThenBy(p => p.Worker, StringComparer.Ordinal).Select(p => p.ToResult()).ToList(),
        _verdicts.Values.OrderBy(v => v.At).ThenBy(v => v.Worker, StringComparer.Ordinal).ToList(),
        _rejected.ToList(),
        InterestClosedAt,
        Task.ParentRequestId,
        Silent: SilentWorkers());

    /// <summary>Expected workers without a verdict once interest closed (none while it is open).</summary>
    private List<string>? SilentWorkers()
    {
        if (!IsInterestClosed)
        {
            return null;
        }

        var silent = _expected.Where(w => !_verdicts.ContainsKey(w)).Order(StringComparer.Ordinal).ToList();
        return silent.Count == 0 ? null : silent;
    }

    private sealed class Participant(string worker, DateTimeOffset interestedAt, DateTimeOffset leaseExpiresAt)
    {
        public string Worker { get; } = worker;

        public DateTimeOffset InterestedAt { get; } = interestedAt;

        public DateTimeOffset LeaseExpiresAt { get; set; } = leaseExpiresAt;

        public WorkerResultStatus Status { get; set; } = WorkerResultStatus.Pending;

        public JsonElement? Payload { get; set; }

        public string? Error { get; set; }

        public IReadOnlyList<RequestOutcome> Children { get; set; } = [];

        public DateTimeOffset? StartedAt { get; set; }

        public DateTimeOffset? CompletedAt { get; set; }

        public ReplySignature? Signature { get; set; }

        /// <summary>Its lease lapsed once and its task went out again; the next lapse counts it lost.</summary>
        public bool Redelivered { get; set; }

        public WorkerResult ToResult() =>
            new(Worker, Status, Payload, Error, Children, InterestedAt, StartedAt, CompletedAt, Signature);

        public RequestRecord.ParticipantRecord ToRecord() =>
            new(Worker, InterestedAt, LeaseExpiresAt, Status, Payload, Error, Children, StartedAt, CompletedAt, Signature, Redelivered);

        /// <summary>After the end: what the decision and a redelivered reply need; the results live in the outcome.</summary>
        public RequestRecord.ParticipantRecord ToEndedRecord() =>
            new(Worker, InterestedAt, LeaseExpiresAt, Status, Payload: null, Error: null, Children: [], StartedAt, CompletedAt, Signature: null, Redelivered);

        public static Participant From(RequestRecord.ParticipantRecord record) => new(record.Worker, record.InterestedAt, record.LeaseExpiresAt)
        {
            Status = record.Status,
            Payload = record.Payload,
            Error = record.Error,
            Children = record.Children,
            StartedAt = record.StartedAt,
            CompletedAt = record.CompletedAt,
            Signature = record.Signature,
            Redelivered = record.Redelivered,
        };
    }
}
