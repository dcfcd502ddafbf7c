namespace TrustChain;

/// <summary>
/// The settings of TrustChain on one silo or client (<c>TrustChain</c> in configuration). Validated at start, every
/// failure reported at once, and logged at start.
/// </summary>
public sealed class TrustChainOptions
{
    public const string SectionName = "TrustChain";

    /// <summary>This process's id; the request ids it dispatches start with it. Defaults to a fresh id per process.</summary>
    public string NodeId { get; set; } = NodeIds.NewNodeId();

    /// <summary>Deadline of a dispatch that sets none. Default 30 s.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest deadline a dispatch may ask for. Default 10 min.</summary>
    public TimeSpan MaxTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long workers may take to declare interest. Default 1 s, as the pattern's seed suggests.</summary>
    public TimeSpan InterestWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an interested worker may stay silent before it is counted lost. Default 10 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many tasks of one worker a silo works on at once; more wait for a slot, renewing their lease. Verdicts never
    /// wait for it: a worker answers at once whatever its load. Default 16.
    /// </summary>
    public int WorkerConcurrency { get; set; } = 16;

    /// <summary>How long an ended request stays readable under its id. Default 10 min.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The most ended requests kept for reading; past it the oldest go first. Default 10,000.</summary>
    public int MaxRetainedRequests { get; set; } = 10_000;

    /// <summary>
    /// The most bytes of ended requests kept for reading, as their grains estimate them (the UTF-8 JSON of each one's
    /// outcome: results, nested outcomes, combined value, verdicts; a task's payload is let go as it ends); past it the
    /// oldest are forgotten first, whatever <see cref="MaxRetainedRequests"/> allows. The process holds each retained
    /// byte about three times over (the grain's objects, and its persisted record, which has each result in its
    /// participants, its outcome and its journal): 255 MiB retained measured 824 MiB of managed heap and 1.5 GB RSS
    /// (server GC) after 2,000 requests with 1 MB results. Default 256 MiB: that worst case fits a 2 GiB node, and it
    /// leaves room for 10,000 results of 25 KiB, so with ordinary results <see cref="MaxRetainedRequests"/> binds first.
    /// </summary>
    public long MaxRetainedBytes { get; set; } = DefaultMaxRetainedBytes;

    public const long DefaultMaxRetainedBytes = 256L * 1024 * 1024;

    /// <summary>
    /// How long a worker keeps a tentative side effect waiting for the decision before it undoes it on its own.
    /// Default 15 min: longer than the longest deadline (<see cref="MaxTimeout"/>), so a slow request is never undone
    /// early; the decision normally comes as soon as the root request ends.
    /// </summary>
    public TimeSpan TentativeTtl { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long one call waiting on a request's grain (for its next events, or its outcome) may wait before it
    /// returns and the caller asks again; below Orleans' response timeout (30 s), so that a request may run up to
    /// <see cref="MaxTimeout"/>. Default 15 s.
    /// </summary>
    public TimeSpan WatchPollWait { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How tasks reach the workers subscribed to their topic: <see cref="TaskDelivery.BroadcastChannel"/> (the
    /// default, see the README for the figures) or <see cref="TaskDelivery.Streams"/> through the stream provider
    /// named <see cref="DeliveryProvider"/>, which the silo configures (e.g. for durable delivery).
    /// </summary>
    public TaskDelivery Delivery { get; set; } = TaskDelivery.BroadcastChannel;

    /// <summary>The name of the broadcast channel or stream provider tasks go through. Default <c>trustchain</c>.</summary>
    public string DeliveryProvider { get; set; } = DefaultDeliveryProvider;

    /// <summary>The workers this silo hosts, by name; unset, every worker grain class it references.</summary>
    public IList<string>? Workers { get; set; }

    public const string DefaultDeliveryProvider = "trustchain";

    /// <summary>The grain storage TrustChain's grains keep their state in.</summary>
    public const string StorageName = "trustchain";
}
