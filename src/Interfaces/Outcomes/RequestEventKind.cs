namespace TrustChain;

/// <summary>What happened to a request, one step of its journal.</summary>
[Orleans.GenerateSerializer]
public enum RequestEventKind
{
    /// <summary>The task went out; the expected workers were snapshotted (always the first event).</summary>
    Dispatched,

    /// <summary>A worker's verdict was accepted: Interested or Declined.</summary>
    Verdict,

    /// <summary>Interest closed: every expected worker answered, or the window ended.</summary>
    InterestClosed,

    /// <summary>An interested worker's lease ran out before it replied.</summary>
    LeaseLost,

    /// <summary>An interested worker's lease lapsed once: its task was sent to it again, on a live silo.</summary>
    Redelivered,

    /// <summary>A worker dispatched a nested request while handling this one.</summary>
    ChildDispatched,

    /// <summary>An interested worker's result was accepted (a value or an error).</summary>
    Result,

    /// <summary>A verdict or a result was refused; it changed nothing.</summary>
    Rejected,

    /// <summary>The request ended; the event carries the outcome. Only the decision and its acknowledgements follow it.</summary>
    Completed,

    /// <summary>The dispatcher decided Commit or Abort on the ended request.</summary>
    Decided,

    /// <summary>A participant acknowledged the decision (applied, already applied, or expired before it came).</summary>
    DecisionApplied,
}
