namespace TrustChain;

/// <summary>A running request, as its dispatcher holds it.</summary>
public interface IRequestHandle
{
    RequestId RequestId { get; }

    /// <summary>Completes with the outcome; never faults, a cancelled request completes with <see cref="RequestStatus.Cancelled"/>.</summary>
    Task<RequestOutcome> Outcome { get; }

    /// <summary>Cancels the request if it is still running; its workers and nested requests are told.</summary>
    void Cancel();
}
