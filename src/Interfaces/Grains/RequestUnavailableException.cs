namespace TrustChain;

/// <summary>
/// The request's grain could not keep what it was told (its storage refused or failed the write, e.g. another
/// activation wrote first during a failover, or Redis is down): the call had no effect that counts. The activation
/// steps aside so that the next call reads the request's state anew; retrying the call is safe, since every reply is
/// idempotent.
/// </summary>
/// <remarks>
/// Serializable by Orleans, so that a caller in another process gets this exception, which
/// <c>TransientFailures</c> retries, rather than a failure to serialize it.
/// </remarks>
[GenerateSerializer]
public sealed class RequestUnavailableException : Exception
{
    public RequestUnavailableException()
        : base("The request's grain is unavailable; retry.")
    {
    }

    public RequestUnavailableException(string message)
        : base(message)
    {
    }

    public RequestUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
