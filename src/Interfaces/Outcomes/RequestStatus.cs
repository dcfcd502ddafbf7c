namespace TrustChain;

/// <summary>How a request ended (step 5).</summary>
[Orleans.GenerateSerializer]
public enum RequestStatus
{
    /// <summary>Still running: interest open or results pending.</summary>
    Running,

    /// <summary>Every interested worker succeeded.</summary>
    Completed,

    /// <summary>Interest closed with no interested worker.</summary>
    NoInterest,

    /// <summary>Every interested worker is accounted for, and some failed or were lost, or an expected worker stayed
    /// silent or could not read the task.</summary>
    Partial,

    /// <summary>The deadline passed first; the outcome holds what had arrived.</summary>
    TimedOut,

    /// <summary>The dispatcher cancelled the request.</summary>
    Cancelled,
}
