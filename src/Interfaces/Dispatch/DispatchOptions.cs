namespace TrustChain;

/// <summary>Per-dispatch settings; anything left null takes the node's configured default.</summary>
public sealed record DispatchOptions
{
    /// <summary>Time from dispatch to the deadline, after which the request ends <see cref="RequestStatus.TimedOut"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>How long workers may take to declare interest before interest closes without them.</summary>
    public TimeSpan? InterestWindow { get; init; }

    /// <summary>How long an interested worker may stay silent before it is counted lost.</summary>
    public TimeSpan? LeaseDuration { get; init; }

    /// <summary>
    /// All or nothing: asked of the joined outcome (with its combined value) of a request that succeeded; false makes
    /// the dispatcher decide Abort instead of Commit. Only a request dispatched from outside a worker decides; nested
    /// requests take the decision of the request above them.
    /// </summary>
    public Func<RequestOutcome, bool>? AcceptOutcome { get; init; }
}
