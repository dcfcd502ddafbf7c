using System.Diagnostics.CodeAnalysis;

namespace TrustChain;

/// <summary>Why the grain refused a verdict or a result. Rejections never change the counts.</summary>
[Orleans.GenerateSerializer]
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

    /// <summary>
    /// The signature is malformed, names another signer, names an algorithm that is unknown or not its key's, or does
    /// not verify (forged, wrong key, replayed).
    /// </summary>
    InvalidSignature,

    /// <summary>No signature, where the dispatcher's policy demands one.</summary>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Names the reply, as the outcome reports it.")]
    Unsigned,

    /// <summary>Signed with a key nobody trusts for that worker (unknown, or announced against a pinned one).</summary>
    UnknownSigner,
}
