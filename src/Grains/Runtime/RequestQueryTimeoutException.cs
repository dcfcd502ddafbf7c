namespace TrustChain.Runtime;

/// <summary>The owner of a request did not answer a query forwarded to it within <see cref="TrustChainOptions.QueryTimeout"/>.</summary>
public sealed class RequestQueryTimeoutException : TimeoutException
{
    public RequestQueryTimeoutException()
    {
    }

    public RequestQueryTimeoutException(string message)
        : base(message)
    {
    }

    public RequestQueryTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RequestQueryTimeoutException(RequestId requestId, TimeSpan waited)
        : base($"The owner of {requestId}, node {requestId.Owner}, did not answer within {waited}.")
    {
        RequestId = requestId;
    }

    public RequestId? RequestId { get; }
}
