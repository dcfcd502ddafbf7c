using System.Diagnostics;

namespace TrustChain.Bench;

/// <summary>
/// One closed-loop step of the search for the best sustained throughput: its run, the outcomes it served per second
/// (429s and wrong outcomes left out) and how many calls were refused.
/// </summary>
internal sealed record OverloadStep(int Callers, RunResult Run, double Goodput, int Refused);

/// <summary>
/// The overload row: the best closed-loop throughput found by stepping the callers up (the baseline, measured in the
/// same run), then <see cref="Factor"/> times that rate offered open loop, and how the API answered it.
/// </summary>
internal sealed record OverloadResult(string Setup, IReadOnlyList<OverloadStep> Steps, double Factor, OpenLoadRun Open)
{
    /// <summary>The issue's target: accepted throughput under overload at least this share of the best.</summary>
    public const double Target = 0.8;

    /// <summary>
    /// The first part of the window, left out of the rates and latencies: the API fills its in-flight slots and
    /// the first refusals start; what follows is the steady state of overload.
    /// </summary>
    public const double RampShare = 0.25;

    public OverloadStep Best => Steps.MaxBy(s => s.Goodput)!;

    public double BestPerSecond => Best.Goodput;

    /// <summary>The API node's in-flight limit, sampled during the open loop (empty when the API is not at hand).</summary>
    public IReadOnlyList<int> NodeLimits { get; init; } = [];

    /// <summary>The API process's CPU time over the open loop, when it is a process of its own (else in <see cref="OpenLoadRun.ProcessCpu"/>).</summary>
    public TimeSpan? ServerCpu { get; init; }

    /// <summary>The rate the schedule asked for.</summary>
    public double OfferedPerSecond => Open.Rate;

    /// <summary>The rate the issuer kept (its last request issued at the end of the window when it kept up).</summary>
    public double IssuedPerSecond => Open.Samples.Count / Open.IssuedIn.TotalSeconds;

    public int Offered => Open.Samples.Count;

    public int Served => Count(ApiAnswer.Served);

    public int Refused => Count(ApiAnswer.Refused);

    /// <summary>Accepted (200) but ended otherwise than it should: dropped, timed out, partial.</summary>
    public int Wrong => Count(ApiAnswer.Wrong);

    /// <summary>Neither a proper outcome nor a 429: errors, client timeouts.</summary>
    public int Failed => Count(ApiAnswer.Failed);

    public double RefusedShare => (double)Refused / Offered;

    /// <summary>Outcomes served per second in the steady state: those that ended between the ramp and the window's end.</summary>
    public double AcceptedPerSecond
    {
        get
        {
            var (from, to) = SteadyState;
            var served = Open.Samples.Count(s => s.Reply.Answer == ApiAnswer.Served && s.Done >= from && s.Done < to);
            return served / ((double)(to - from) / Stopwatch.Frequency);
        }
    }

    public double Ratio => AcceptedPerSecond / BestPerSecond;

    /// <summary>The target, with nothing lost on the way: no error but 429s, every accepted request with its outcome.</summary>
    public bool Met => Ratio >= Target && Failed == 0 && Wrong == 0;

    /// <summary>Latency (ms, from when each was due) at <paramref name="p"/> of the requests due in the steady state that got <paramref name="answer"/>.</summary>
    public double LatencyMs(ApiAnswer answer, double p)
    {
        var (from, to) = SteadyState;
        var latencies = Open.Samples.Where(s => s.Reply.Answer == answer && s.Due >= from && s.Due < to).Select(s => s.Latency).Order().ToArray();
        return latencies.Length == 0 ? double.NaN : Load.Ms(Load.Percentile(latencies, p));
    }

    /// <summary>How late the thread pool started the requests (ms after they were due), at <paramref name="p"/>.</summary>
    public double IssueLagMs(double p) => Load.Ms(Load.Percentile([.. Open.Samples.Select(s => s.Sent - s.Due).Order()], p));

    /// <summary>What went wrong, by reason, most frequent first.</summary>
    public IReadOnlyList<(string Reason, int Count)> Problems =>
    [
        .. Open.Samples.Where(s => s.Reply.Answer is ApiAnswer.Failed or ApiAnswer.Wrong)
            .GroupBy(s => s.Reply.Detail)
            .Select(g => (g.Key, g.Count()))
            .OrderByDescending(g => g.Item2),
    ];

    private (long From, long To) SteadyState =>
        ((long)(Open.Window.TotalSeconds * RampShare * Stopwatch.Frequency), (long)(Open.Window.TotalSeconds * Stopwatch.Frequency));

    private int Count(ApiAnswer answer) => Open.Samples.Count(s => s.Reply.Answer == answer);
}
