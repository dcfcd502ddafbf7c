namespace TrustChain.Api;

/// <summary>
/// The most requests dispatched through this API node that may run at once, adapted to how fast the cluster starts
/// them. Starting a dispatch is one grain call (the request's grain persists the request and publishes its task), so
/// its latency tells whether the cluster is queueing work, whatever the workers themselves take: a worker that waits a
/// second on a remote service keeps a request in flight, not the cluster busy. Every <see cref="Interval"/> with at
/// least <see cref="MinStarts"/> starts: when they took longer than the target on average, the limit falls in
/// proportion (to at most 90 %, at least half of the most that were in flight), never below the floor; when they were
/// faster and the limit was reached, it rises by a tenth, never above the ceiling. The starts can be quick while
/// verdicts queue behind them (a node on one processor, measured: 146 of 8,332 accepted requests ended Partial at 4×
/// its best): a worker is to declare interest at once, so a verdict that missed its interest window is the cluster's
/// delay, not the worker's work, and an interval in which at least <see cref="MinStarts"/> requests ended and
/// <see cref="MissedVerdictShare"/> of them missed one brings the limit down to <see cref="MissedVerdictFactor"/> of
/// the most that were in flight, whatever the starts took. Only requests admitted since the last such cut are judged
/// (those ending now were admitted up to an interest window ago, under the limit before it), so one episode cuts once
/// per window, not once per interval. A worker that stays silent on every request breaks that rule and holds the limit
/// at its floor while it does: its requests end Partial anyway. Without this, a node that admits more
/// than its cluster serves within the interest window lets every request's verdicts arrive late: accepted requests
/// end Partial and the work spent on them is lost (measured: docs/benchmarks.md, overload). A node refusing everything
/// while what it accepted drains starts nothing; only the requests that end can still lower its limit.
/// </summary>
public sealed class NodeInFlightLimit
{
    /// <summary>How often the limit is reconsidered, from the dispatches started meanwhile.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The fewest starts the limit is reconsidered on; an interval with fewer runs on until it has them. A handful of
    /// slow starts (a fresh silo activating its first grains) is no sign of overload, and an overloaded node starts
    /// far more than this in an interval.
    /// </summary>
    public const int MinStarts = 16;

    /// <summary>The share of an interval's ended requests that missed a verdict from which the limit falls.</summary>
    public const double MissedVerdictShare = 0.01;

    /// <summary>How far the limit falls then, from the most that were in flight in the interval.</summary>
    /// <remarks>
    /// Less than the half a slow start can cost: the requests that end now were accepted up to an interest window ago,
    /// so the signal comes late, and the cut it brings is judged again only on requests admitted after it.
    /// </remarks>
    public const double MissedVerdictFactor = 0.75;

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan? _target;
    private int _limit;
    private int _inFlight;

    // The current interval's observations, under _gate.
    private long _intervalStart;
    private double _startMsSum;
    private int _starts;
    private int _peak;
    private bool _reached;
    private int _ended;
    private int _missedVerdict;
    private long _missedVerdictCutAt = long.MinValue;

    /// <param name="floor">The lowest the limit goes.</param>
    /// <param name="ceiling">The highest, and where it starts.</param>
    /// <param name="target">The mean start latency above which the limit falls; null keeps it at <paramref name="ceiling"/>.</param>
    public NodeInFlightLimit(int floor, int ceiling, TimeSpan? target, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(floor, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ceiling, floor);
        ArgumentNullException.ThrowIfNull(time);
        Floor = floor;
        Ceiling = ceiling;
        _target = target;
        _time = time;
        _limit = ceiling;
        _intervalStart = time.GetTimestamp();
    }

    public int Floor { get; }

    public int Ceiling { get; }

    /// <summary>The limit now.</summary>
    public int Limit => Volatile.Read(ref _limit);

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Whether a dispatch would find no room now (not binding: <see cref="TryEnter"/> decides).</summary>
    public bool IsFull => InFlight >= Limit;

    /// <summary>Takes a place, or returns false when <see cref="Limit"/> are in flight. Give it back with <see cref="Exit"/>.</summary>
    public bool TryEnter()
    {
        lock (_gate)
        {
            AdjustIfDue();
            var inFlight = Volatile.Read(ref _inFlight);
            if (inFlight >= _limit)
            {
                _reached = true;
                return false;
            }

            Interlocked.Increment(ref _inFlight);
            _peak = Math.Max(_peak, inFlight + 1);
            _reached |= inFlight + 1 >= _limit;
            return true;
        }
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>A timestamp of <see cref="TimeProvider"/>, for <see cref="Started"/>.</summary>
    public long Now() => _time.GetTimestamp();

    /// <summary>A dispatch entered at <paramref name="enteredAt"/> (<see cref="Now"/>) has just started.</summary>
    public void Started(long enteredAt)
    {
        if (_target is null)
        {
            return;
        }

        var latency = _time.GetElapsedTime(enteredAt);
        lock (_gate)
        {
            _startMsSum += latency.TotalMilliseconds;
            _starts++;
            AdjustIfDue();
        }
    }

    /// <summary>
    /// A request dispatched through this node, entered at <paramref name="enteredAt"/> (<see cref="Now"/>), has ended;
    /// <paramref name="missedVerdict"/>: a worker of it gave no verdict within the interest window
    /// (<see cref="MissedAVerdict"/>).
    /// </summary>
    public void Ended(long enteredAt, bool missedVerdict)
    {
        if (_target is null)
        {
            return;
        }

        lock (_gate)
        {
            if (enteredAt >= _missedVerdictCutAt)
            {
                _ended++;
                _missedVerdict += missedVerdict ? 1 : 0;
            }

            AdjustIfDue();
        }
    }

    /// <summary>
    /// Whether <paramref name="outcome"/> shows a verdict that missed its interest window: a request that ended
    /// <see cref="RequestStatus.Partial"/> with expected workers silent. (A verdict rejected as late from a worker
    /// that was not expected, one that joined while the request ran, says nothing of the delay.)
    /// </summary>
    public static bool MissedAVerdict(RequestOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.Status == RequestStatus.Partial && outcome.Silent is { Count: > 0 };
    }

    private void AdjustIfDue()
    {
        var now = _time.GetTimestamp();
        var missedVerdicts = _ended >= MinStarts && _missedVerdict > 0 && _missedVerdict >= _ended * MissedVerdictShare;
        if (_target is not { } target || (_starts < MinStarts && !missedVerdicts) || _time.GetElapsedTime(_intervalStart, now) < Interval)
        {
            return;
        }

        var mean = _starts == 0 ? 0 : _startMsSum / _starts;
        if (missedVerdicts)
        {
            _limit = Math.Max(Floor, Math.Min(_limit, (int)(Math.Max(_peak, 1) * MissedVerdictFactor)));
            _missedVerdictCutAt = now;
        }
        else if (mean > target.TotalMilliseconds)
        {
            // Down in proportion to how far over the target the starts were, from what was actually in flight (the
            // limit itself may be far above it), so that an overloaded node backs off within an interval or two.
            var factor = Math.Clamp(target.TotalMilliseconds / mean, 0.5, 0.9);
            _limit = Math.Max(Floor, Math.Min(_limit, (int)(Math.Max(_peak, 1) * factor)));
        }
        else if (_reached)
        {
            _limit = Math.Min(Ceiling, _limit + Math.Max(1, _limit / 10));
        }

        _intervalStart = now;
        _startMsSum = 0;
        _starts = 0;
        _peak = Volatile.Read(ref _inFlight);
        _reached = false;
        _ended = 0;
        _missedVerdict = 0;
    }
}
