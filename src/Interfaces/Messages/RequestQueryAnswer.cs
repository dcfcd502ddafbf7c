namespace TrustChain.Messages;

/// <summary>How the owner answered a <see cref="RequestQuery"/>.</summary>
[Orleans.GenerateSerializer]
public enum RequestQueryAnswer
{
    /// <summary>The owner knows the request; the reply carries what was asked.</summary>
    Found,

    /// <summary>No such request on its owner: never dispatched, or forgotten once its retention ended.</summary>
    NotFound,

    /// <summary>The request was running and is now cancelled.</summary>
    Cancelled,

    /// <summary>The request had already ended; nothing changed.</summary>
    AlreadyEnded,
}
