namespace TrustChain.Api;

/// <summary>The Web API's own settings, from <c>TrustChain:Api</c>. Validated at start.</summary>
public sealed class TrustChainApiOptions
{
    public const string SectionName = "TrustChain:Api";

    /// <summary>The shortest API key accepted: shorter ones are guessable and refused at start.</summary>
    public const int MinKeyLength = 16;

    /// <summary>
    /// API keys. When any is set, every endpoint but <c>/healthz</c> and <c>/readyz</c> needs one of them in the
    /// <c>X-Api-Key</c> header; when none is, the API is open (and says so in its start-up log).
    /// </summary>
    public IList<string> Keys { get; } = [];

    /// <summary>The largest task payload accepted, in bytes; larger bodies get 413. Default 1 MiB.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The most requests dispatched through this API that may be running at once; past it a dispatch gets 429 with
    /// <c>Retry-After</c>. Default 1000. With <see cref="AdaptiveInFlight"/> the node's limit is this or lower.
    /// </summary>
    public int MaxInFlight { get; set; } = 1000;

    /// <summary>
    /// Whether the node's in-flight limit adapts to how fast the cluster starts dispatches: while they take longer
    /// than <see cref="StartLatencyTarget"/> on average, or while requests that end miss verdicts (Partial with a worker
    /// silent: a worker is to declare interest at once, so that is the cluster's delay), the limit falls
    /// (never below <see cref="EffectiveMaxInFlightPerClient"/>), while they start faster and the limit is reached it
    /// rises back (never above <see cref="MaxInFlight"/>). Off, the limit is <see cref="MaxInFlight"/>. Default on: a node that
    /// admits more than its cluster serves within the interest window sees its accepted requests end Partial.
    /// </summary>
    public bool AdaptiveInFlight { get; set; } = true;

    /// <summary>
    /// The mean time to start a dispatch (the request's grain persisting the request and publishing its task) above
    /// which the cluster counts as queueing work and the in-flight limit falls. Default 50 ms: a start takes a few
    /// milliseconds on a cluster that keeps up, and the rest of a request (verdicts, results, the decision) queues as
    /// its start does, so that at 50 ms verdicts still arrive well within the default 1 s interest window.
    /// </summary>
    public TimeSpan StartLatencyTarget { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The most of those one client may have running at once (a client is its API key when keys are set, else its
    /// remote address), so that one client cannot take every slot; past it its dispatches get 429 with
    /// <c>Retry-After</c> while other clients still get theirs. At most <see cref="MaxInFlight"/>. Default 100 (a
    /// tenth of the default total), or <see cref="MaxInFlight"/> when that is lower.
    /// </summary>
    public int? MaxInFlightPerClient { get; set; }

    public const int DefaultMaxInFlightPerClient = 100;

    /// <summary>The per-client limit in force: <see cref="MaxInFlightPerClient"/>, or its default.</summary>
    public int EffectiveMaxInFlightPerClient => MaxInFlightPerClient ?? Math.Min(DefaultMaxInFlightPerClient, MaxInFlight);

    /// <summary>The <c>Retry-After</c> given with a 429, in seconds. Default 1.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>
    /// How long the API keeps asking a request's grain that does not answer (its silo died and the grain is resuming
    /// from storage on another, or the storage is restarting) when it reads the request: <c>GET /requests/{id}</c>
    /// answers 504 after it, and an open event stream (<c>GET /requests/{id}/events</c>) ends after it with an
    /// <c>unavailable</c> event; until then a read just takes longer, and a stream stays quiet and goes on where it was
    /// once the grain answers. Default 1 min: Orleans' default failure detection declares a dead silo dead well within
    /// it, and an EventSource that reconnects while the cluster still fails over and gets a 504 closes for good. At
    /// most 10 min. A cancel (<c>DELETE</c>) is not asked twice: it answers 504 at its first failure.
    /// </summary>
    public TimeSpan FailoverWait { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest <see cref="FailoverWait"/> accepted: a read or a stream quiet for longer helps nobody.</summary>
    public static readonly TimeSpan MaxFailoverWait = TimeSpan.FromMinutes(10);
}
