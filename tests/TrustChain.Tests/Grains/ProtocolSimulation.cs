using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using TrustChain.Grains;
using TrustChain.Messages;
using Xunit.Sdk;

namespace TrustChain.Tests.Grains;

/// <summary>What a passing run reached, for the coverage check of the bulk run.</summary>
internal sealed record SimulationReport(
    int Seed,
    RequestStatus Status,
    IReadOnlySet<RejectionReason> Reasons,
    IReadOnlySet<WorkerResultStatus> WorkerStatuses,
    IReadOnlySet<WorkerResultStatus> RedeliveredThen,
    string Trace);

/// <summary>
/// Drives one <see cref="RequestProtocol"/> through a seed's schedule, single-threaded, on a
/// <see cref="FakeTimeProvider"/>, and checks it after every step against the protocol's invariants, against
/// <see cref="ProtocolModel"/>, and against a lazy twin whose timer fires late or never (its inputs must apply the
/// overdue transitions first, so both must always agree).
/// </summary>
internal sealed class ProtocolSimulation
{
    private readonly SimulationSchedule _schedule;
    private readonly FakeTimeProvider _clock = new(GrainScenario.Epoch);
    private readonly TaskMessage _task;
    private readonly RequestProtocol _protocol;
    private readonly RequestProtocol _lazy;
    private readonly ProtocolModel _model;
    private readonly StringBuilder _trace = new();
    private readonly Dictionary<string, ResultMessage> _acceptedResults = new(StringComparer.Ordinal);
    private readonly HashSet<RejectionReason> _reasons = [];
    private readonly List<string> _redelivered = [];
    private readonly List<string> _lazyRedelivered = [];
    private RequestOutcome? _firstOutcome;
    private string? _firstOutcomeText;
    private List<RejectedReply> _rejectedSoFar = [];

    private ProtocolSimulation(SimulationSchedule schedule)
    {
        _schedule = schedule;
        _task = GrainScenario.NewTask(_clock.GetUtcNow(), Ms(schedule.TimeoutMs), Ms(schedule.LeaseMs));
        var window = Ms(schedule.WindowMs);
        _protocol = new RequestProtocol(_task, schedule.Expected, window, _clock);
        _lazy = new RequestProtocol(_task, schedule.Expected, window, _clock);
        _model = new ProtocolModel(_task, schedule.Expected, window);
    }

    private DateTimeOffset Now => _clock.GetUtcNow();

    /// <summary>Runs one seed; throws an <see cref="XunitException"/> naming the seed and the trace on any violation.</summary>
    public static SimulationReport Run(int seed)
    {
        var simulation = new ProtocolSimulation(SimulationSchedule.Generate(seed));
        try
        {
            return simulation.Execute();
        }
        catch (Exception ex) when (ex is not XunitException)
        {
            throw new XunitException(simulation.FailureText("unexpected exception: " + ex));
        }
    }

    private static TimeSpan Ms(long milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    /// <summary>Milliseconds after dispatch (schedules are in whole milliseconds; anything finer still shows).</summary>
    private static string Rel(DateTimeOffset? at)
    {
        if (at is not { } t)
        {
            return "-";
        }

        var ticks = (t - GrainScenario.Epoch).Ticks;
        return ticks % TimeSpan.TicksPerMillisecond == 0
            ? (ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{ticks / (double)TimeSpan.TicksPerMillisecond:0.####}");
    }

    /// <summary>A canonical rendering of everything an outcome says, for comparing and for the trace.</summary>
    private static string Describe(RequestOutcome o)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{o.Status} closed@{Rel(o.InterestClosedAt)} at@{Rel(o.CompletedAt)}");
        text.Append(" results=[").AppendJoin("; ", o.Results.Select(r =>
            $"{r.Worker}:{r.Status}:{r.Payload?.GetRawText() ?? "-"}:{r.Error ?? "-"}:{Rel(r.InterestedAt)}:{Rel(r.CompletedAt)}")).Append(']');
        text.Append(" verdicts=[").AppendJoin("; ", o.Verdicts.Select(v => $"{v.Worker}:{(v.Interested ? '+' : '-')}@{Rel(v.At)}")).Append(']');
        text.Append(" rejected=[").AppendJoin("; ", o.Rejected.Select(r => $"{r.Worker}:{r.Kind}:{r.Reason}@{Rel(r.At)}")).Append(']');
        return text.ToString();
    }

    private void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new XunitException(FailureText(message));
        }
    }

    /// <summary>As above, formatting the message only when the condition fails: checks run thousands of times a seed.</summary>
    private void Require(bool condition, [InterpolatedStringHandlerArgument(nameof(condition))] ref FailureMessage message)
    {
        if (!condition)
        {
            throw new XunitException(FailureText(message.ToStringAndClear()));
        }
    }

    private string FailureText(string violation) =>
        $"""
        Protocol simulation failed for seed {_schedule.Seed.ToString(CultureInfo.InvariantCulture)} at +{Rel(Now)}ms: {violation}
        Replay it with: TRUSTCHAIN_SIM_SEED_BASE={_schedule.Seed.ToString(CultureInfo.InvariantCulture)} TRUSTCHAIN_SIM_SEEDS=1 dotnet test tests/TrustChain.Tests --filter "FullyQualifiedName~Thousands_of_seeded"
        (or add it to the [InlineData] list of ProtocolSimulationTests.A_fixed_seed_keeps_every_protocol_invariant).
        Schedule: {_schedule.Describe()}
        Protocol now: {Describe(_protocol.Snapshot())}
        Trace:
        {_trace}
        """;

    private SimulationReport Execute()
    {
        _trace.AppendLine(CultureInfo.InvariantCulture, $"  seed {_schedule.Seed}: {_schedule.Describe()}");
        _trace.AppendLine(CultureInfo.InvariantCulture, $"  +0ms dispatch -> {Describe(_protocol.Snapshot())}");
        CheckAll();
        CompareTwin();

        foreach (var e in _schedule.Events)
        {
            AdvanceTo(GrainScenario.Epoch + Ms(e.AtMs));
            Apply(e);
        }

        // Whatever happened, the request ends by its deadline; and after that nothing changes it.
        AdvanceTo(_task.Deadline);
        Require(_protocol.IsCompleted, "the request is still running at its deadline");
        Require(_protocol.Outcome!.CompletedAt <= _task.Deadline, "the request ended after its deadline");
        AdvanceTo(_task.Deadline + TimeSpan.FromSeconds(1));
        _lazy.OnTimer();
        CompareTwin();
        var final = Describe(_protocol.Outcome!);
        Require(final == _firstOutcomeText, $"the outcome changed after it had been set: {_firstOutcomeText} -> {final}");

        var outcome = _protocol.Outcome!;
        return new SimulationReport(
            _schedule.Seed,
            outcome.Status,
            _reasons,
            outcome.Results.Select(r => r.Status).ToHashSet(),
            outcome.Results.Where(r => _redelivered.Contains(r.Worker)).Select(r => r.Status).ToHashSet(),
            _trace.ToString());
    }

    /// <summary>Moves the clock to <paramref name="target"/>, stopping at every due time to fire the protocol's timer.</summary>
    private void AdvanceTo(DateTimeOffset target)
    {
        while (true)
        {
            var next = new[] { _protocol.NextDueAt, _model.NextDue }.Where(d => d is not null).Min();
            if (next is not { } due || due > target)
            {
                break;
            }

            Require(due >= Now, $"a due time in the past: protocol {Rel(_protocol.NextDueAt)}, model {Rel(_model.NextDue)}");
            _clock.Advance(due - Now);
            _model.AtTime(Now);
            _protocol.OnTimer();
            var lazyFired = _schedule.TwinTimerRolls.NextDouble() < _schedule.LazyTimerChance;
            if (lazyFired)
            {
                _lazy.OnTimer();
            }

            _trace.AppendLine(CultureInfo.InvariantCulture, $"  +{Rel(Now)}ms timer{(lazyFired ? "" : " (lazy twin's skipped)")} -> {_protocol.Status}");
            CheckAll();
            if (lazyFired)
            {
                CompareTwin();
            }
        }

        if (target > Now)
        {
            _clock.Advance(target - Now);
            _model.AtTime(Now);
            CheckAll();
        }
    }

    private void Apply(SimEvent e)
    {
        var before = Counts(_protocol.Snapshot());
        var wasCompleted = _protocol.IsCompleted;
        string answer;
        bool refused;
        switch (e)
        {
            case VerdictEvent v:
            {
                var message = new VerdictMessage(_task.RequestId, v.Topic, v.Worker, v.Instance, v.Interested, Now);
                var expected = _model.OnVerdict(message, Now);
                var reply = _protocol.OnVerdict(message);
                var lazyReply = _lazy.OnVerdict(message);
                answer = reply.Accepted ? "accepted" : $"refused {reply.Reason}";
                Note(e, answer);
                Require(
                    reply.Accepted == expected.Accepted && reply.Reason == expected.Reason,
                    $"verdict answered {answer}, the model says {(expected.Accepted ? "accepted" : $"refused {expected.Reason}")}");
                Require(reply.Accepted == (reply.Reason is null), $"an accepted reply carries a reason, or a refusal none: {reply}");
                Require(reply.RequestId == _task.RequestId && reply.Worker == v.Worker && reply.Instance == v.Instance, $"the reply is not addressed to the verdict's sender: {reply}");
                Require(reply == lazyReply, $"the lazy twin answered {lazyReply}");
                refused = !reply.Accepted;
                if (reply.Reason is { } reason)
                {
                    _reasons.Add(reason);
                }

                break;
            }

            case ResultEvent r:
            {
                var message = r.Succeeded
                    ? new ResultMessage(_task.RequestId, r.Topic, r.Worker, r.Instance, true, GrainScenario.Json(new { r.Worker, r.Version }), null, [], Now, Now)
                    : new ResultMessage(_task.RequestId, r.Topic, r.Worker, r.Instance, false, null, $"{r.Worker} failed v{r.Version}", [], Now, Now);
                var expected = _model.OnResult(message, Now);
                var rejection = _protocol.OnResult(message);
                var lazyRejection = _lazy.OnResult(message);
                answer = rejection is null ? "accepted" : $"rejected {rejection}";
                Note(e, answer);
                Require(rejection == expected, $"result {answer}, the model says {(expected is null ? "accepted" : $"rejected {expected}")}");
                Require(rejection == lazyRejection, $"the lazy twin answered {lazyRejection?.ToString() ?? "accepted"}");
                refused = rejection is not null;
                if (rejection is { } reason)
                {
                    _reasons.Add(reason);
                }
                else
                {
                    Require(_acceptedResults.TryAdd(r.Worker, message), $"a second result accepted from {r.Worker}");
                }

                break;
            }

            case RenewalEvent l:
            {
                var message = new LeaseRenewal(_task.RequestId, l.Worker, l.Instance, Now);
                var expected = _model.OnLeaseRenewal(message, Now);
                var renewed = _protocol.OnLeaseRenewal(message);
                var lazyRenewed = _lazy.OnLeaseRenewal(message);
                answer = renewed ? "renewed" : "not renewed";
                Note(e, answer);
                Require(renewed == expected, $"lease {answer}, the model says {(expected ? "renewed" : "not renewed")}");
                Require(renewed == lazyRenewed, "the lazy twin answered otherwise");
                refused = !renewed;
                break;
            }

            case CancelEvent:
            {
                var expected = _model.Cancel(Now);
                var cancelled = _protocol.Cancel();
                var lazyCancelled = _lazy.Cancel();
                answer = cancelled ? "cancelled" : "already ended";
                Note(e, answer);
                Require(cancelled == expected, $"cancel answered {answer}, the model says {(expected ? "cancelled" : "already ended")}");
                Require(cancelled == !wasCompleted, "cancel's answer does not say whether the request was running");
                Require(cancelled == lazyCancelled, "the lazy twin answered otherwise");
                refused = !cancelled;
                break;
            }

            case ClockEvent:
            {
                var lazyFired = _schedule.TwinTimerRolls.NextDouble() < _schedule.LazyTimerChance;
                if (lazyFired)
                {
                    _lazy.OnTimer();
                }

                Note(e, lazyFired ? "lazy twin's timer fired" : "nothing fired");
                CheckAll();
                if (lazyFired)
                {
                    CompareTwin();
                }

                return;
            }

            default:
                throw new InvalidOperationException($"Unknown event {e}.");
        }

        if (refused)
        {
            // A refused input changes no count: not the results, not the verdicts, not the status.
            var after = Counts(_protocol.Snapshot());
            Require(after.Results == before.Results, $"a refused input changed the results: {before.Results} -> {after.Results}");
            Require(after.Verdicts == before.Verdicts, $"a refused input changed the verdicts: {before.Verdicts} -> {after.Verdicts}");
            Require(after.Status == before.Status, $"a refused input changed the status: {before.Status} -> {after.Status}");
            Require(after.Rejected - before.Rejected is 0 or 1, "a refused input was listed more than once");
        }

        CheckAll();
        CompareTwin();
    }

    private void Note(SimEvent e, string answer) =>
        _trace.AppendLine(CultureInfo.InvariantCulture, $"  {e} -> {answer} | {_protocol.Status}");

    private static (string Results, string Verdicts, RequestStatus Status, int Rejected) Counts(RequestOutcome o) => (
        string.Join("; ", o.Results.Select(r => $"{r.Worker}:{r.Status}:{r.Payload?.GetRawText()}:{r.Error}:{Rel(r.CompletedAt)}")),
        string.Join("; ", o.Verdicts.Select(v => $"{v.Worker}:{v.Interested}:{Rel(v.At)}")),
        o.Status,
        o.Rejected.Count);

    /// <summary>The lazy twin, once it has applied its overdue transitions, must be in exactly the same state.</summary>
    private void CompareTwin()
    {
        var mine = Describe(_protocol.Snapshot());
        var twin = Describe(_lazy.Snapshot());
        Require(mine == twin, $"the protocol whose timer fired late disagrees:\n    punctual: {mine}\n    late:     {twin}");

        // Its journal tells the same story, dated alike: timed steps carry the moment they fell due, not when noticed.
        var myJournal = Journal(_protocol);
        var twinJournal = Journal(_lazy);
        Require(myJournal == twinJournal, $"the journal of the protocol whose timer fired late differs:\n    punctual: {myJournal}\n    late:     {twinJournal}");

        // It asks for redeliveries later (its grain would send them then), never one the punctual protocol did not.
        _lazyRedelivered.AddRange(_lazy.TakeRedeliveries());
        Require(
            _lazyRedelivered.Distinct(StringComparer.Ordinal).Count() == _lazyRedelivered.Count && _lazyRedelivered.All(_redelivered.Contains),
            $"the protocol whose timer fired late asked for redeliveries [{string.Join(",", _lazyRedelivered)}], the punctual one [{string.Join(",", _redelivered)}]");
    }

    private static string Journal(RequestProtocol protocol) =>
        string.Join("; ", protocol.Events.Select(e => $"{e.Sequence}:{e.Kind}:{e.Worker ?? "-"}@{Rel(e.At)}"));

    /// <summary>The invariants of DESIGN.md, then agreement with the model.</summary>
    private void CheckAll()
    {
        CheckRedeliveries();
        var now = Now;
        var snapshot = _protocol.Snapshot();
        var outcome = _protocol.Outcome;
        var deadline = _task.Deadline;
        var windowEnd = _model.WindowEnd;
        var expected = _schedule.Expected;

        // The outcome is set exactly once and never changes afterwards.
        if (_firstOutcome is not null)
        {
            // Same instance (a record over copied lists); its content is compared again at the end of the run.
            Require(ReferenceEquals(outcome, _firstOutcome), "the outcome was replaced after it had been set");
        }
        else if (outcome is not null)
        {
            _firstOutcome = outcome;
            _firstOutcomeText = Describe(outcome);
            _trace.AppendLine(CultureInfo.InvariantCulture, $"  == {_firstOutcomeText}");
        }

        // A verdict per worker at most; results exactly for the workers whose accepted verdict was Interested.
        Require(snapshot.Verdicts.Select(v => v.Worker).Distinct(StringComparer.Ordinal).Count() == snapshot.Verdicts.Count, "two verdicts recorded for one worker");
        Require(
            snapshot.Verdicts.Where(v => v.Interested).Select(v => v.Worker).Order(StringComparer.Ordinal)
                .SequenceEqual(snapshot.Results.Select(r => r.Worker).Order(StringComparer.Ordinal), StringComparer.Ordinal),
            "the results are not exactly the interested workers");
        Require(snapshot.Verdicts.All(v => v.At < windowEnd && v.At <= now), "a verdict was recorded at or after the window's end");
        if (snapshot.InterestClosedAt is { } closedAt)
        {
            Require(snapshot.Verdicts.All(v => v.At <= closedAt), "a verdict was recorded after interest closed");
        }

        // Each accepted result stays as it was accepted: at most one per worker, payload never rewritten.
        foreach (var (worker, message) in _acceptedResults)
        {
            var result = snapshot.ResultOf(worker);
            Require(result is not null, $"{worker}'s accepted result is missing");
            Require(result!.Status == (message.Succeeded ? WorkerResultStatus.Succeeded : WorkerResultStatus.Failed), $"{worker}'s accepted result became {result.Status}");
            Require(result.Payload?.GetRawText() == message.Payload?.GetRawText() && result.Error == message.Error, $"{worker}'s accepted payload changed");
        }

        Require(
            snapshot.Results.Count(r => r.Status is WorkerResultStatus.Succeeded or WorkerResultStatus.Failed) == _acceptedResults.Count,
            "a worker has a result the protocol never accepted");

        // Rejections are only ever appended.
        Require(snapshot.Rejected.Count >= _rejectedSoFar.Count && snapshot.Rejected.Take(_rejectedSoFar.Count).SequenceEqual(_rejectedSoFar), "the rejected list was rewritten");
        _rejectedSoFar = snapshot.Rejected.ToList();

        var legitimateClosure = snapshot.InterestClosedAt is { } c
            && (c >= windowEnd || expected.All(w => snapshot.Verdicts.Any(v => v.Worker == w && v.At <= c)));
        if (outcome is null)
        {
            Require(now < deadline, "the request is still running at or after its deadline");
            Require(snapshot.Status == RequestStatus.Running, $"a running request's snapshot says {snapshot.Status}");
            Require(_protocol.NextDueAt is { } next && next > now && next <= deadline, $"a running request's next due time is {Rel(_protocol.NextDueAt)}");
            Require(snapshot.Results.All(r => r.Status is WorkerResultStatus.Pending or WorkerResultStatus.Succeeded or WorkerResultStatus.Failed or WorkerResultStatus.Lost), "a running request has a timed-out or cancelled worker");
            if (_protocol.IsInterestClosed)
            {
                Require(legitimateClosure && snapshot.InterestClosedAt <= now, "interest closed before the window ended and before every expected verdict");
            }
            else
            {
                Require(now < windowEnd && expected.Any(w => snapshot.Verdicts.All(v => v.Worker != w)), "interest is still open after the window or after every expected verdict");
            }
        }
        else
        {
            var results = outcome.Results;
            Require(_protocol.NextDueAt is null, "an ended request still has a due time");
            Require(outcome.CompletedAt <= now && outcome.CompletedAt <= deadline, "the outcome is dated in the future or after the deadline");
            Require(outcome.InterestClosedAt is { } closed && closed <= outcome.CompletedAt, "an ended request's interest never closed");
            Require(results.All(r => r.Status != WorkerResultStatus.Pending), "an ended request still has a pending worker");
            switch (outcome.Status)
            {
                case RequestStatus.Completed:
                case RequestStatus.Partial:
                case RequestStatus.NoInterest:
                    Require(legitimateClosure, $"{outcome.Status} before interest closed");
                    Require(outcome.CompletedAt < deadline, $"{outcome.Status} at the deadline");
                    Require(results.All(r => r.Status is WorkerResultStatus.Succeeded or WorkerResultStatus.Failed or WorkerResultStatus.Lost), $"{outcome.Status} while a worker is unaccounted for");
                    // Silence is not consent: a silent expected worker makes any closure Partial.
                    Require((outcome.Silent?.Count ?? 0) == _protocol.Expected.Count(w => !outcome.Verdicts.Any(v => v.Worker == w)), "the silent workers listed are not the expected workers without a verdict");
                    var expectedStatus = outcome.Silent is { Count: > 0 } ? RequestStatus.Partial
                        : results.Count == 0 ? RequestStatus.NoInterest
                        : results.All(r => r.Status == WorkerResultStatus.Succeeded) ? RequestStatus.Completed
                        : RequestStatus.Partial;
                    Require(outcome.Status == expectedStatus, $"the status is {outcome.Status} but the results say {expectedStatus}");
                    break;
                case RequestStatus.TimedOut:
                    Require(outcome.CompletedAt == deadline, "timed out at another moment than the deadline");
                    Require(results.All(r => r.Status is not WorkerResultStatus.Cancelled), "a timed-out request has a cancelled worker");
                    break;
                case RequestStatus.Cancelled:
                    Require(outcome.CompletedAt < deadline, "cancelled at or after the deadline");
                    Require(results.All(r => r.Status is not WorkerResultStatus.TimedOut), "a cancelled request has a timed-out worker");
                    break;
                default:
                    Require(false, $"ended with status {outcome.Status}");
                    break;
            }
        }

        CheckModel(snapshot);
    }

    /// <summary>
    /// What the punctual protocol asks to redeliver: exactly the model's first lapses, each worker at most once, each
    /// journaled, and only to a worker still working (its grain sends the task at once, before anything else happens).
    /// </summary>
    private void CheckRedeliveries()
    {
        var taken = _protocol.TakeRedeliveries();
        if (taken.Count > 0)
        {
            _trace.AppendLine(CultureInfo.InvariantCulture, $"  +{Rel(Now)}ms redeliver {string.Join(",", taken)}");
        }

        foreach (var worker in taken)
        {
            Require(!_redelivered.Contains(worker), $"{worker}'s task was redelivered twice");
            Require(_protocol.Snapshot().ResultOf(worker)?.Status == WorkerResultStatus.Pending, $"a redelivery to {worker}, which is not working on the request");
            _redelivered.Add(worker);
        }

        Require(
            _redelivered.SequenceEqual(_model.Redeliveries, StringComparer.Ordinal),
            $"redeliveries [{string.Join(",", _redelivered)}], the model says [{string.Join(",", _model.Redeliveries)}]");
        Require(
            _protocol.Events.Where(e => e.Kind == RequestEventKind.Redelivered).Select(e => e.Worker!).SequenceEqual(_redelivered, StringComparer.Ordinal),
            "the journal's redeliveries are not the ones asked for");
    }

    /// <summary>The protocol agrees with the model on every observable fact.</summary>
    private void CheckModel(RequestOutcome snapshot)
    {
        var model = _model;
        Require(_protocol.Status == model.Status, $"status {_protocol.Status}, the model says {model.Status}");
        Require(_protocol.InterestClosedAt == model.ClosedAt, $"interest closed at {Rel(_protocol.InterestClosedAt)}, the model says {Rel(model.ClosedAt)}");
        if (model.IsCompleted)
        {
            Require(snapshot.CompletedAt == model.CompletedAt, $"ended at {Rel(snapshot.CompletedAt)}, the model says {Rel(model.CompletedAt)}");
        }

        Require(
            snapshot.Verdicts.Select(v => (v.Worker, v.Interested)).Order().SequenceEqual(model.Verdicts.Select(v => (v.Key, v.Value)).Order()),
            "the recorded verdicts differ from the protocol's");
        Require(snapshot.Results.Count == model.Interested.Count, "the number of interested workers differs from the protocol's");
        foreach (var worker in model.Interested.Values)
        {
            var result = snapshot.ResultOf(worker.Worker);
            Require(result is not null, $"{worker.Worker} is interested but has no result entry");
            Require(result!.Status == worker.Status, $"{worker.Worker} is {result.Status}, the model says {worker.Status}");
            Require(result.Payload?.GetRawText() == worker.Payload && result.Error == worker.Error, $"{worker.Worker}'s payload differs from the protocol's");
            Require(result.InterestedAt == worker.InterestedAt, $"{worker.Worker} interested at {Rel(result.InterestedAt)}, the model says {Rel(worker.InterestedAt)}");
            Require(result.CompletedAt == worker.CompletedAt, $"{worker.Worker} settled at {Rel(result.CompletedAt)}, the model says {Rel(worker.CompletedAt)}");
        }

        Require(snapshot.Rejected.SequenceEqual(model.Rejected), $"rejected [{string.Join("; ", snapshot.Rejected)}], the model says [{string.Join("; ", model.Rejected)}]");
    }
}

/// <summary>An interpolated failure message that is only formatted when its check fails.</summary>
[InterpolatedStringHandler]
internal ref struct FailureMessage
{
    private DefaultInterpolatedStringHandler _text;

    public FailureMessage(int literalLength, int formattedCount, bool condition, out bool shouldAppend)
    {
        shouldAppend = !condition;
        _text = shouldAppend ? new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture) : default;
    }

    public void AppendLiteral(string value) => _text.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

    public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);

    public string ToStringAndClear() => _text.ToStringAndClear();
}
