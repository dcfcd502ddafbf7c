namespace TrustChain.Bench;

/// <summary>How one call of the API's dispatch endpoint ended, for the client that made it.</summary>
internal enum ApiAnswer
{
    /// <summary>200 with the outcome the task must end with (the order: Completed with its three results).</summary>
    Served,

    /// <summary>429 with <c>Retry-After</c>: refused at the door, nothing dispatched.</summary>
    Refused,

    /// <summary>200, but with another outcome: the request was accepted and did not end as it should (dropped, timed out, partial).</summary>
    Wrong,

    /// <summary>Anything else: another status, a 429 without <c>Retry-After</c>, a transport error, a client timeout.</summary>
    Failed,
}

/// <summary>An <see cref="ApiAnswer"/> with what failed, when something did (a status code, an exception type).</summary>
internal readonly record struct ApiReply(ApiAnswer Answer, string Detail = "");
