namespace TrustChain;

/// <summary>What became of one interested worker.</summary>
[Orleans.GenerateSerializer]
public enum WorkerResultStatus
{
    /// <summary>Interested, result not in yet (only seen while the request runs).</summary>
    Pending,

    /// <summary>Returned a value.</summary>
    Succeeded,

    /// <summary>Returned an error.</summary>
    Failed,

    /// <summary>Its lease ran out before it replied: the instance died or lost contact.</summary>
    Lost,

    /// <summary>Still working, lease alive, when the request's deadline passed.</summary>
    TimedOut,

    /// <summary>Still working when the request was cancelled.</summary>
    Cancelled,
}
