using TrustChain.Messages;

namespace TrustChain.Tests.Grains;

/// <summary>
/// An executable reading of DESIGN.md's lifecycle (steps 1–5), written independently of the protocol, used by the
/// simulation as its oracle. Unlike the protocol it never catches up on overdue timers: the driver must call
/// <see cref="AtTime"/> at every moment <see cref="NextDue"/> names, and it throws when one was skipped.
/// </summary>
/// <remarks>
/// Rules at one instant: the deadline wins over everything due at the same moment; the interest window and a lease
/// are half-open (a verdict at the window's end is late, a result at the end of a worker's last lease comes from a
/// lost worker); timed transitions due at an instant apply before an input arriving at that instant. A lease that
/// lapses for the first time sends the task to its worker once more with a fresh lease; only its second lapse counts
/// the worker lost.
/// </remarks>
internal sealed class ProtocolModel
{
    private readonly HashSet<string> _expected;
    private readonly Dictionary<string, bool> _verdicts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelWorker> _interested = new(StringComparer.Ordinal);
    private readonly List<RejectedReply> _rejected = [];
    private readonly List<string> _redeliveries = [];

    public ProtocolModel(TaskMessage task, IEnumerable<string> expected, TimeSpan window)
    {
        Topic = task.Topic;
        DispatchedAt = task.DispatchedAt;
        Deadline = task.Deadline;
        Lease = task.LeaseDuration;
        WindowEnd = task.DispatchedAt + window;
        _expected = new HashSet<string>(expected, StringComparer.Ordinal);

        if (_expected.Count == 0)
        {
            // Nobody subscribed: every expected verdict (none) is in at dispatch.
            ClosedAt = DispatchedAt;
            Settle(DispatchedAt);
        }
    }

    public string Topic { get; }

    public DateTimeOffset DispatchedAt { get; }

    public DateTimeOffset Deadline { get; }

    public DateTimeOffset WindowEnd { get; }

    public TimeSpan Lease { get; }

    public DateTimeOffset? ClosedAt { get; private set; }

    public RequestStatus Status { get; private set; } = RequestStatus.Running;

    public DateTimeOffset? CompletedAt { get; private set; }

    public bool IsCompleted => Status != RequestStatus.Running;

    public IReadOnlyDictionary<string, bool> Verdicts => _verdicts;

    public IReadOnlyDictionary<string, ModelWorker> Interested => _interested;

    public IReadOnlyList<RejectedReply> Rejected => _rejected;

    /// <summary>Every redelivery asked for so far, in order: each interested worker at most once.</summary>
    public IReadOnlyList<string> Redeliveries => _redeliveries;

    public DateTimeOffset? NextDue
    {
        get
        {
            if (IsCompleted)
            {
                return null;
            }

            var candidates = new List<DateTimeOffset> { Deadline };
            if (ClosedAt is null)
            {
                candidates.Add(WindowEnd);
            }

            candidates.AddRange(_interested.Values.Where(w => w.Status == WorkerResultStatus.Pending).Select(w => w.LeaseExpiresAt));
            return candidates.Min();
        }
    }

    /// <summary>Applies what time alone does at <paramref name="now"/>, which must not be past an unapplied due time.</summary>
    public void AtTime(DateTimeOffset now)
    {
        if (IsCompleted)
        {
            return;
        }

        if (NextDue < now)
        {
            throw new InvalidOperationException($"The driver skipped a due time: {NextDue:O} < {now:O}.");
        }

        if (now >= Deadline)
        {
            End(RequestStatus.TimedOut, Deadline, WorkerResultStatus.TimedOut);
            return;
        }

        if (ClosedAt is null && now >= WindowEnd)
        {
            ClosedAt = WindowEnd;
        }

        foreach (var worker in _interested.Values.Where(w => w.Status == WorkerResultStatus.Pending && w.LeaseExpiresAt <= now))
        {
            if (!worker.Redelivered)
            {
                // The first lapse: the worker may only have lost its silo, so its task goes out again with a new lease.
                worker.Redelivered = true;
                worker.LeaseExpiresAt += Lease;
                _redeliveries.Add(worker.Worker);
                continue;
            }

            worker.Status = WorkerResultStatus.Lost;
            worker.CompletedAt = worker.LeaseExpiresAt;
        }

        Settle(now);
    }

    /// <summary>What the protocol must answer to <paramref name="verdict"/> arriving at <paramref name="now"/>.</summary>
    public (bool Accepted, RejectionReason? Reason) OnVerdict(VerdictMessage verdict, DateTimeOffset now)
    {
        if (IsCompleted)
        {
            return (false, RejectionReason.RequestEnded);
        }

        if (verdict.Topic != Topic)
        {
            return Refuse(verdict.Worker, "verdict", RejectionReason.TopicMismatch, now);
        }

        if (_verdicts.TryGetValue(verdict.Worker, out var earlier))
        {
            if (earlier != verdict.Interested)
            {
                return Refuse(verdict.Worker, "verdict", RejectionReason.ConflictingVerdict, now);
            }

            // Idempotent: the same verdict again (a redelivery) is answered as the worker's state now warrants; a
            // pending worker's instance that says so starts a full lease from now.
            if (earlier && _interested[verdict.Worker] is { Status: WorkerResultStatus.Pending } pending && pending.LeaseExpiresAt < now + Lease)
            {
                pending.LeaseExpiresAt = now + Lease;
            }

            return !earlier ? (true, null)
                : _interested[verdict.Worker].Status switch
                {
                    WorkerResultStatus.Pending => (true, null),
                    WorkerResultStatus.Lost => (false, RejectionReason.LeaseExpired),
                    _ => (false, RejectionReason.DuplicateResult),
                };
        }

        if (ClosedAt is not null)
        {
            return Refuse(verdict.Worker, "verdict", RejectionReason.InterestClosed, now);
        }

        _verdicts.Add(verdict.Worker, verdict.Interested);
        if (verdict.Interested)
        {
            _interested.Add(verdict.Worker, new ModelWorker(verdict.Worker, now, now + Lease));
        }

        if (_expected.IsSubsetOf(_verdicts.Keys))
        {
            ClosedAt = now;
        }

        Settle(now);
        return (true, null);
    }

    /// <summary>Null when the protocol must accept <paramref name="result"/>, otherwise the reason it must give.</summary>
    public RejectionReason? OnResult(ResultMessage result, DateTimeOffset now)
    {
        if (IsCompleted)
        {
            return RejectionReason.RequestEnded;
        }

        RejectionReason? reason = result.Topic != Topic ? RejectionReason.TopicMismatch
            : !_interested.TryGetValue(result.Worker, out var worker) ? RejectionReason.NotInterested
            : worker.Status == WorkerResultStatus.Lost ? RejectionReason.LeaseExpired
            : worker.Status != WorkerResultStatus.Pending ? RejectionReason.DuplicateResult
            : null;
        if (reason is { } refused)
        {
            _rejected.Add(new RejectedReply(result.Worker, "result", refused, now));
            return refused;
        }

        var accepted = _interested[result.Worker];
        accepted.Status = result.Succeeded ? WorkerResultStatus.Succeeded : WorkerResultStatus.Failed;
        accepted.Payload = result.Payload?.GetRawText();
        accepted.Error = result.Error;
        accepted.CompletedAt = now;
        Settle(now);
        return null;
    }

    public bool OnLeaseRenewal(LeaseRenewal renewal, DateTimeOffset now)
    {
        if (IsCompleted || !_interested.TryGetValue(renewal.Worker, out var worker) || worker.Status != WorkerResultStatus.Pending)
        {
            return false;
        }

        worker.LeaseExpiresAt = now + Lease;
        return true;
    }

    public bool Cancel(DateTimeOffset now)
    {
        if (IsCompleted)
        {
            return false;
        }

        End(RequestStatus.Cancelled, now, WorkerResultStatus.Cancelled);
        return true;
    }

    private (bool, RejectionReason?) Refuse(string worker, string kind, RejectionReason reason, DateTimeOffset now)
    {
        _rejected.Add(new RejectedReply(worker, kind, reason, now));
        return (false, reason);
    }

    /// <summary>Step 5: closed, and nobody interested is still pending.</summary>
    private void Settle(DateTimeOffset now)
    {
        if (IsCompleted || ClosedAt is null || _interested.Values.Any(w => w.Status == WorkerResultStatus.Pending))
        {
            return;
        }

        // Silence is not consent: an expected worker with no verdict makes the request Partial.
        var status = !_expected.IsSubsetOf(_verdicts.Keys) ? RequestStatus.Partial
            : _interested.Count == 0 ? RequestStatus.NoInterest
            : _interested.Values.All(w => w.Status == WorkerResultStatus.Succeeded) ? RequestStatus.Completed
            : RequestStatus.Partial;
        End(status, now, WorkerResultStatus.Pending);
    }

    private void End(RequestStatus status, DateTimeOffset at, WorkerResultStatus pendingBecome)
    {
        foreach (var worker in _interested.Values.Where(w => w.Status == WorkerResultStatus.Pending))
        {
            worker.Status = pendingBecome;
            worker.CompletedAt = at;
        }

        ClosedAt ??= at;
        Status = status;
        CompletedAt = at;
    }
}

/// <summary>One interested worker as the model sees it.</summary>
internal sealed class ModelWorker(string worker, DateTimeOffset interestedAt, DateTimeOffset leaseExpiresAt)
{
    public string Worker { get; } = worker;

    public DateTimeOffset InterestedAt { get; } = interestedAt;

    public DateTimeOffset LeaseExpiresAt { get; set; } = leaseExpiresAt;

    public WorkerResultStatus Status { get; set; } = WorkerResultStatus.Pending;

    public string? Payload { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Its lease lapsed once and its task went out again.</summary>
    public bool Redelivered { get; set; }
}
