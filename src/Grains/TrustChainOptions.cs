namespace TrustChain;

/// <summary>The settings of one TrustChain node (a silo, or an API that dispatches). Validated at start.</summary>
public sealed class TrustChainOptions
{
    public const string SectionName = "TrustChain";

    /// <summary>This node's id; request ids it creates carry it. Defaults to a fresh id per process.</summary>
    public string NodeId { get; set; } = NodeIds.NewNodeId();

    /// <summary>Deadline of a dispatch that sets none. Default 30 s.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest deadline a dispatch may ask for. Default 10 min.</summary>
    public TimeSpan MaxTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long workers may take to declare interest. Default 1 s, as the pattern's seed suggests.</summary>
    public TimeSpan InterestWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an interested worker may stay silent before it is counted lost. Default 10 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many tasks one worker instance handles at once (the engine's prefetch). Default 16.</summary>
    public int WorkerConcurrency { get; set; } = 16;

    /// <summary>How long an ended request stays readable under its id on its owner node. Default 10 min.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The most ended requests kept for reading; past it the oldest go first. Default 10,000.</summary>
    public int MaxRetainedRequests { get; set; } = 10_000;

    /// <summary>
    /// How long a worker keeps a tentative side effect waiting for the decision before it undoes it on its own.
    /// Default 15 min: longer than the longest deadline (<see cref="MaxTimeout"/>), so a slow request is never undone
    /// early; the decision normally comes as soon as the root request ends.
    /// </summary>
    public TimeSpan TentativeTtl { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a node waits for a request's owner to answer a query forwarded to it. Default 5 s.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one long-poll for a request's next events may wait when nothing new has happened (a live event
    /// stream reading a request owned by another node asks again after it). Default 15 s.
    /// </summary>
    public TimeSpan WatchPollWait { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a stopping silo lets in-flight tasks finish before handing them back to the engine.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(10);
}
