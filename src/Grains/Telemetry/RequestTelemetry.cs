using System.Diagnostics;
using TrustChain.Messages;

namespace TrustChain.Telemetry;

/// <summary>
/// Turns a request's journal, as its activation applies it, into telemetry: metrics, and events on the request's span.
/// Reading the journal rather than the grain's internals keeps one source of truth for what happened, and the grain free
/// of telemetry.
/// </summary>
/// <param name="countMetrics">False where only the span is fed (the dispatcher replaying the journal): the request's
/// grain counts the metrics.</param>
internal sealed class RequestTelemetry(TaskMessage task, Activity? span, bool countMetrics = true)
{
    public Activity? Span => span;

    /// <summary>Called under the activation's lock with the journal and the count of entries already observed.</summary>
    public void Observe(IReadOnlyList<RequestEvent> journal, int seen)
    {
        // Indexed rather than copied: this runs on every transition of every request.
        for (var i = seen; i < journal.Count; i++)
        {
            Observe(journal[i]);
        }
    }

    private void Observe(RequestEvent entry)
    {
        if (countMetrics)
        {
            Count(entry);
        }
        else if (entry is { Kind: RequestEventKind.Completed, Outcome: { } ended })
        {
            Ended(ended);
        }

        if (span is { IsStopped: false } && Describe(entry) is { } name)
        {
            span.AddEvent(new ActivityEvent(name, entry.At, Tags(entry)));
        }
    }

    private void Count(RequestEvent entry)
    {
        switch (entry.Kind)
        {
            case RequestEventKind.Dispatched:
                TrustChainMetrics.Dispatched(task.Topic);
                span?.SetTag("trustchain.expected_workers", entry.Expected?.Count ?? 0);
                break;
            case RequestEventKind.InterestClosed:
                TrustChainMetrics.InterestClosed(task.Topic, entry.At - task.DispatchedAt);
                break;
            case RequestEventKind.LeaseLost:
                TrustChainMetrics.LeaseLost(task.Topic, entry.Worker);
                break;
            case RequestEventKind.Completed when entry.Outcome is { } outcome:
                TrustChainMetrics.Ended(outcome);
                Ended(outcome);
                break;
        }
    }

    private void Ended(RequestOutcome outcome)
    {
        if (span is null)
        {
            return;
        }

        span.SetTag("trustchain.status", outcome.Status.ToString());
        span.SetTag("trustchain.results", outcome.Results.Count);
        span.SetTag("trustchain.interested_workers", outcome.Verdicts.Count(v => v.Interested));
        if (outcome.Status is RequestStatus.Partial or RequestStatus.TimedOut or RequestStatus.Cancelled)
        {
            span.SetStatus(ActivityStatusCode.Error, outcome.Status.ToString());
        }
    }

    private static string? Describe(RequestEvent entry) => entry.Kind switch
    {
        RequestEventKind.Verdict => "trustchain.verdict",
        RequestEventKind.InterestClosed => "trustchain.interest_closed",
        RequestEventKind.LeaseLost => "trustchain.lease_lost",
        RequestEventKind.Redelivered => "trustchain.redelivered",
        RequestEventKind.ChildDispatched => "trustchain.child_dispatched",
        RequestEventKind.Result => "trustchain.result",
        RequestEventKind.Rejected => "trustchain.rejected",
        RequestEventKind.Completed => "trustchain.completed",
        RequestEventKind.Decided => "trustchain.decided",
        RequestEventKind.DecisionApplied => "trustchain.decision_applied",
        _ => null,
    };

    private static ActivityTagsCollection Tags(RequestEvent entry)
    {
        var tags = new ActivityTagsCollection();
        Add(tags, "trustchain.worker", entry.Worker);
        Add(tags, "trustchain.interested", entry.Interested);
        Add(tags, "trustchain.result_status", entry.ResultStatus?.ToString());
        Add(tags, "trustchain.reason", entry.Reason?.ToString());
        Add(tags, "trustchain.reply", entry.ReplyKind);
        Add(tags, "trustchain.child_request_id", entry.ChildRequestId?.Value);
        Add(tags, "trustchain.child_topic", entry.ChildTopic);
        Add(tags, "trustchain.status", entry.Outcome?.Status.ToString());
        Add(tags, "trustchain.decision", entry.Decision?.ToString());
        Add(tags, "trustchain.ack_status", entry.AckStatus?.ToString());
        Add(tags, "trustchain.detail", entry.Detail);
        return tags;

        static void Add(ActivityTagsCollection tags, string key, object? value)
        {
            if (value is not null)
            {
                tags[key] = value;
            }
        }
    }
}
