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
}
