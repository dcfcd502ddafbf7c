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
    /// <c>Retry-After</c>. Default 1000.
    /// </summary>
    public int MaxInFlight { get; set; } = 1000;

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
}
