namespace TrustChain;

/// <summary>Why the grain refused a verdict or a result. Rejections never change the counts.</summary>
public enum RejectionReason
{
    /// <summary>The verdict came after interest closed.</summary>
    InterestClosed,

    /// <summary>The request had already ended.</summary>
    RequestEnded,

    /// <summary>No such request at its owner (never existed, or ended and was forgotten).</summary>
    UnknownRequest,

    /// <summary>A result from a worker that never declared interest (or declined).</summary>
    NotInterested,

    /// <summary>A second result (or a verdict after the result) from a worker that already replied, identical or not.</summary>
    DuplicateResult,

    /// <summary>The worker changed its verdict.</summary>
    ConflictingVerdict,

    /// <summary>A result after the worker's lease had run out and it was counted lost.</summary>
    LeaseExpired,

    /// <summary>The message names another topic than the request's.</summary>
    TopicMismatch,

    /// <summary>The signature is missing, malformed or does not verify.</summary>
    InvalidSignature,
}
