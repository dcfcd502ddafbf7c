using System.Globalization;
using System.Text;

namespace TrustChain.Tests.Grains;

/// <summary>What one simulated worker does with the task.</summary>
internal enum WorkerBehaviour
{
    Declines,
    Succeeds,
    Fails,
    SlowWithRenewals,
    Vanishes,
    Silent,
}

/// <summary>One input to the protocol at a moment, in milliseconds after dispatch.</summary>
internal abstract record SimEvent(long AtMs)
{
    protected static string Ms(long ms) => string.Create(CultureInfo.InvariantCulture, $"+{ms}ms");
}

internal sealed record VerdictEvent(long AtMs, string Worker, string Instance, bool Interested, string Topic) : SimEvent(AtMs)
{
    public override string ToString() =>
        $"{Ms(AtMs)} verdict {Worker}/{Instance} {(Interested ? "interested" : "declined")}{(Topic == GrainScenario.Topic ? "" : " on " + Topic)}";
}

internal sealed record ResultEvent(long AtMs, string Worker, string Instance, bool Succeeded, int Version, string Topic) : SimEvent(AtMs)
{
    public override string ToString() =>
        $"{Ms(AtMs)} result {Worker}/{Instance} {(Succeeded ? "success" : "failure")} v{Version.ToString(CultureInfo.InvariantCulture)}{(Topic == GrainScenario.Topic ? "" : " on " + Topic)}";
}

internal sealed record RenewalEvent(long AtMs, string Worker, string Instance) : SimEvent(AtMs)
{
    public override string ToString() => $"{Ms(AtMs)} renew {Worker}/{Instance}";
}

internal sealed record CancelEvent(long AtMs) : SimEvent(AtMs)
{
    public override string ToString() => $"{Ms(AtMs)} cancel";
}

/// <summary>Time passes with no input; the lazy twin may or may not get its timer call.</summary>
internal sealed record ClockEvent(long AtMs) : SimEvent(AtMs)
{
    public override string ToString() => $"{Ms(AtMs)} clock";
}

/// <summary>A random request: its timings, its workers and everything they (and the network) do, from one seed.</summary>
internal sealed class SimulationSchedule
{
    private const int Quantum = 50; // coarse steps so that verdicts, leases, windows and deadlines often coincide

    private SimulationSchedule(int seed)
    {
        var rng = new Random(seed);
        Seed = seed;
        WindowMs = Quantum * rng.Next(1, 21);
        LeaseMs = Quantum * rng.Next(2, 41);
        TimeoutMs = Quantum * rng.Next(2, 81);
        Expected = Enumerable.Range(1, rng.Next(0, 7)).Select(i => "w" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        var workers = Expected.ToList();
        if (rng.NextDouble() < 0.25)
        {
            workers.Add("x"); // subscribed after the membership snapshot: not expected, may still declare in time
        }

        var events = new List<SimEvent>();
        foreach (var worker in workers)
        {
            var behaviour = Pick(rng);
            Behaviours.Add(worker, behaviour);
            events.AddRange(WorkerEvents(rng, worker, behaviour));
        }

        events = AddNetworkNoise(rng, events);

        foreach (var worker in workers.Where(_ => rng.NextDouble() < 0.12))
        {
            // The worker's process dies: nothing more from it, duplicates included.
            var crashAt = Q(rng, 0, TimeoutMs + LeaseMs);
            Crashes.Add(worker, crashAt);
            events.RemoveAll(e => WorkerOf(e) == worker && e.AtMs > crashAt);
        }

        if (rng.NextDouble() < 0.1)
        {
            events.Add(new CancelEvent(Q(rng, 0, TimeoutMs + 2 * Quantum)));
        }

        for (var i = rng.Next(0, 4); i > 0; i--)
        {
            events.Add(new ClockEvent(Q(rng, 0, TimeoutMs + 10 * Quantum)));
        }

        // Messages sent at the same moment arrive in any order.
        Events = events.Select(e => (Event: e, Key: rng.Next())).OrderBy(p => p.Event.AtMs).ThenBy(p => p.Key).Select(p => p.Event).ToList();
        LazyTimerChance = rng.NextDouble();
        TwinTimerRolls = new Random(rng.Next());
    }

    public int Seed { get; }

    public int WindowMs { get; }

    public int LeaseMs { get; }

    public int TimeoutMs { get; }

    public IReadOnlyList<string> Expected { get; }

    public Dictionary<string, WorkerBehaviour> Behaviours { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> Crashes { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<SimEvent> Events { get; }

    /// <summary>How often the lazy twin's host remembers to fire its timer.</summary>
    public double LazyTimerChance { get; }

    /// <summary>The lazy twin's dice, seeded from the schedule's seed.</summary>
    public Random TwinTimerRolls { get; }

    public static SimulationSchedule Generate(int seed) => new(seed);

    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"window={WindowMs}ms lease={LeaseMs}ms timeout={TimeoutMs}ms expected=[{string.Join(",", Expected)}]");
        text.Append(CultureInfo.InvariantCulture, $" behaviours=[{string.Join(",", Behaviours.Select(b => $"{b.Key}:{b.Value}"))}]");
        if (Crashes.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" crashes=[{string.Join(",", Crashes.Select(c => $"{c.Key}@{c.Value}ms"))}]");
        }

        return text.Append(CultureInfo.InvariantCulture, $" lazyTimerChance={LazyTimerChance:0.00}").ToString();
    }

    private static string? WorkerOf(SimEvent e) => e switch
    {
        VerdictEvent v => v.Worker,
        ResultEvent r => r.Worker,
        RenewalEvent l => l.Worker,
        _ => null,
    };

    private static WorkerBehaviour Pick(Random rng) => rng.Next(100) switch
    {
        < 18 => WorkerBehaviour.Declines,
        < 50 => WorkerBehaviour.Succeeds,
        < 63 => WorkerBehaviour.Fails,
        < 78 => WorkerBehaviour.SlowWithRenewals,
        < 88 => WorkerBehaviour.Vanishes,
        _ => WorkerBehaviour.Silent,
    };

    /// <summary>A multiple of the quantum in [fromMs, toMs].</summary>
    private static long Q(Random rng, long fromMs, long toMs) => Quantum * rng.NextInt64(fromMs / Quantum, (toMs / Quantum) + 1);

    private List<SimEvent> WorkerEvents(Random rng, string worker, WorkerBehaviour behaviour)
    {
        const string instance = "i1";
        var topic = GrainScenario.Topic;
        var events = new List<SimEvent>();

        // Most verdicts come at once; some come after the window (a slow consumer, a redelivery).
        var verdictAt = rng.NextDouble() < 0.75 ? Q(rng, 0, WindowMs) : Q(rng, 0, (WindowMs * 2) + LeaseMs);
        switch (behaviour)
        {
            case WorkerBehaviour.Silent:
                if (rng.NextDouble() < 0.15)
                {
                    events.Add(new ResultEvent(Q(rng, 0, TimeoutMs), worker, instance, true, 1, topic)); // never declared
                }

                return events;

            case WorkerBehaviour.Declines:
                events.Add(new VerdictEvent(verdictAt, worker, instance, false, topic));
                if (rng.NextDouble() < 0.15)
                {
                    events.Add(new ResultEvent(verdictAt + Q(rng, 0, LeaseMs), worker, instance, true, 1, topic)); // declined
                }

                return events;
        }

        events.Add(new VerdictEvent(verdictAt, worker, instance, true, topic));
        var workMs = behaviour switch
        {
            WorkerBehaviour.SlowWithRenewals => Q(rng, LeaseMs, 3L * LeaseMs),
            WorkerBehaviour.Vanishes => Q(rng, 0, 2L * LeaseMs), // how long it keeps renewing before it disappears
            // Up to two and a half leases: the first lapse of a worker that does not renew only redelivers its task,
            // so some results must come after the second for a lost worker's result to be reached.
            _ => Q(rng, 0, LeaseMs * 5L / 2),
        };

        // Renew at a third of the lease as the runtime does, or too rarely (the lease then runs out), or never.
        var renewEveryMs = behaviour == WorkerBehaviour.SlowWithRenewals ? Math.Max(Quantum, Q(rng, LeaseMs / 4, LeaseMs / 2))
            : rng.Next(3) switch
            {
                0 => 0,
                1 => Math.Max(Quantum, LeaseMs / 3),
                _ => Q(rng, Quantum, 2L * LeaseMs),
            };
        if (renewEveryMs > 0)
        {
            for (var at = verdictAt + renewEveryMs; at < verdictAt + workMs; at += renewEveryMs)
            {
                events.Add(new RenewalEvent(at, worker, instance));
            }
        }

        if (behaviour != WorkerBehaviour.Vanishes)
        {
            var resultAt = verdictAt + workMs;
            if (rng.NextDouble() < 0.06)
            {
                resultAt = Math.Max(0, verdictAt - Q(rng, 0, 4 * Quantum)); // overtakes its own verdict
            }

            events.Add(new ResultEvent(resultAt, worker, instance, behaviour != WorkerBehaviour.Fails, 1, topic));
        }

        return events;
    }

    /// <summary>Redeliveries, changed minds, replays on another topic, second results: what the network adds.</summary>
    private static List<SimEvent> AddNetworkNoise(Random rng, List<SimEvent> events)
    {
        var noisy = new List<SimEvent>(events);
        foreach (var e in events)
        {
            if (rng.NextDouble() < 0.12)
            {
                // The same message again, later: a redelivery to another instance (verdicts) or a re-send (results).
                var later = e.AtMs + Q(rng, 0, 20 * Quantum);
                noisy.Add(e switch
                {
                    VerdictEvent v => v with { AtMs = later, Instance = "i2" },
                    ResultEvent r => r with { AtMs = later },
                    _ => e with { AtMs = later },
                });
            }

            switch (e)
            {
                case VerdictEvent v when rng.NextDouble() < 0.04:
                    noisy.Add(v with { AtMs = v.AtMs + Q(rng, 0, 10 * Quantum), Instance = "i3", Interested = !v.Interested });
                    break;
                case VerdictEvent v when rng.NextDouble() < 0.03:
                    noisy.Add(v with { AtMs = v.AtMs + Q(rng, 0, 4 * Quantum), Topic = GrainScenario.OtherTopic });
                    break;
                case ResultEvent r when rng.NextDouble() < 0.04:
                    noisy.Add(r with { AtMs = r.AtMs + Q(rng, 0, 4 * Quantum), Topic = GrainScenario.OtherTopic });
                    break;
                case ResultEvent r when rng.NextDouble() < 0.06:
                    noisy.Add(r with { AtMs = r.AtMs + Q(rng, 0, 10 * Quantum), Version = 2, Succeeded = rng.Next(2) == 0 });
                    break;
            }
        }

        return noisy;
    }
}
