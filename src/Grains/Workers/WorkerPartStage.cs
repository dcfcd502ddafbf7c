namespace TrustChain.Workers;

/// <summary>Where one worker's part in one request stands.</summary>
public enum WorkerPartStage
{
    /// <summary>Nothing held: not yet working, declined, or refused.</summary>
    None,

    /// <summary>Working, or waiting for a work slot.</summary>
    Working,

    /// <summary>Replied; its effects wait for the decision.</summary>
    Held,

    /// <summary>The decision was applied.</summary>
    Settled,

    /// <summary>No decision came within the TTL: the effects were undone.</summary>
    Expired,
}
