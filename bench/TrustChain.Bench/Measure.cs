namespace TrustChain.Bench;

/// <summary>Operations' measured runs taken in turns, each after a warm-up run that is thrown away.</summary>
internal static class Measure
{
    /// <summary>
    /// A scenario and its baseline in turns on the same silo (baseline first in even runs, second in odd ones), each
    /// after a warm-up: both see the same machine, however its load drifts during the run. A probe, when given, wraps
    /// each measured run of its side (e.g. to count what Redis wrote meanwhile).
    /// </summary>
    public static async Task<(IReadOnlyList<RunResult> Subject, IReadOnlyList<RunResult> Baseline)> PairedRunsAsync(
        int count, int requests, int concurrency, Func<int, Task<bool>> subject, Func<int, Task<bool>> baseline,
        Func<Func<Task<RunResult>>, Task<RunResult>>? subjectProbe = null,
        Func<Func<Task<RunResult>>, Task<RunResult>>? baselineProbe = null)
    {
        var runs = await InTurnsAsync(count, requests, concurrency, [new Turn(baseline, baselineProbe), new Turn(subject, subjectProbe)]);
        return (runs[1], runs[0]);
    }

    /// <summary>
    /// Several operations' runs taken in turns, each after a warm-up: in even rounds in the order given, in odd ones
    /// the other way round, so that every operation sees the same machine, however its load drifts, and none is always
    /// the one that follows another. The runs of one round are at the same index of each list.
    /// </summary>
    public static async Task<IReadOnlyList<IReadOnlyList<RunResult>>> InTurnsAsync(int count, int requests, int concurrency, IReadOnlyList<Turn> turns)
    {
        foreach (var turn in turns)
        {
            await Load.RunAsync(BenchSettings.WarmUp(requests), concurrency, turn.Operation);
        }

        var runs = turns.Select(_ => new List<RunResult>()).ToArray();
        for (var round = 0; round < count; round++)
        {
            for (var step = 0; step < turns.Count; step++)
            {
                var at = round % 2 == 0 ? step : turns.Count - 1 - step;
                var turn = turns[at];
                Task<RunResult> Run() => Load.RunAsync(requests, concurrency, turn.Operation);
                runs[at].Add(await (turn.Probe is null ? Run() : turn.Probe(Run)));
            }
        }

        return runs;
    }

    /// <summary>One operation taken in turns with others, and what wraps each of its measured runs, if anything.</summary>
    public sealed record Turn(Func<int, Task<bool>> Operation, Func<Func<Task<RunResult>>, Task<RunResult>>? Probe = null);

    public static bool IsOrderDone(RequestOutcome outcome) =>
        outcome.Status == RequestStatus.Completed && outcome.Results.Count == BenchTopics.Interested.Length;
}
