namespace TrustChain;

/// <summary>
/// The task's payload does not fit the worker's payload type. The worker's verdict carries the message (the type
/// and the JSON path, never the parser's byte positions), and the request cannot end <c>Completed</c> or
/// <c>NoInterest</c>.
/// </summary>
public sealed class UnreadablePayloadException : Exception
{
    public UnreadablePayloadException()
        : base("The payload could not be read.")
    {
    }

    public UnreadablePayloadException(string message)
        : base(message)
    {
    }

    public UnreadablePayloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// The payload does not fit <paramref name="payloadType"/>, at <paramref name="path"/> when known. The parser's
    /// own exception is kept as the inner one, for the log; the message, which leaves the silo, holds none of it.
    /// </summary>
    public static UnreadablePayloadException For(string payloadType, string? path, Exception? innerException)
    {
        var message = path is { Length: > 0 } ? $"the payload does not fit {payloadType} at {path}" : $"the payload does not fit {payloadType}";
        return innerException is null ? new(message) : new(message, innerException);
    }
}
