namespace TrustChain;

/// <summary>What a participant did with a decision.</summary>
[Orleans.GenerateSerializer]
public enum DecisionAckStatus
{
    /// <summary>It held the request's tentative effects and has now committed or undone them.</summary>
    Applied,

    /// <summary>The decision came again (a redelivery): nothing was done twice.</summary>
    AlreadyApplied,

    /// <summary>No decision came within the TTL, so the effects were undone before this decision arrived.</summary>
    Expired,
}
