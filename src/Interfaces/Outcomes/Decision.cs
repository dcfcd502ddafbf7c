namespace TrustChain;

/// <summary>What the dispatcher decided once a request ended (DESIGN.md, step 7).</summary>
[Orleans.GenerateSerializer]
public enum Decision
{
    /// <summary>Every interested worker succeeded and the dispatcher accepts the outcome: tentative effects become real.</summary>
    Commit,

    /// <summary>Something failed, was lost, timed out or was cancelled, or the dispatcher refused the outcome: undo.</summary>
    Abort,
}
