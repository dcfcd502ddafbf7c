namespace TrustChain.Messages;

/// <summary>What a <see cref="RequestQuery"/> asks of a request's owner.</summary>
public enum RequestQueryKind
{
    /// <summary>The state so far (or the outcome) and the whole journal.</summary>
    State,

    /// <summary>The journal after a sequence, waiting a while for more when there is nothing new yet (long poll).</summary>
    Events,

    /// <summary>Cancel the request if it is still running.</summary>
    Cancel,
}
