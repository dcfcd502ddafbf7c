namespace TrustChain.Bench;

/// <summary>A warm-up run (thrown away), then the measured runs; or two operations' runs taken in turns.</summary>
internal static class Measure
{
    public static Task<IReadOnlyList<RunResult>> RunsAsync(BenchSettings settings, int requests, int concurrency, Func<int, Task<bool>> operation) =>
        RunsAsync(settings.Runs, requests, concurrency, operation);

    public static async Task<IReadOnlyList<RunResult>> RunsAsync(int count, int requests, int concurrency, Func<int, Task<bool>> operation)
    {
        await Load.RunAsync(BenchSettings.WarmUp(requests), concurrency, operation);
        var runs = new List<RunResult>();
        for (var i = 0; i < count; i++)
        {
            runs.Add(await Load.RunAsync(requests, concurrency, operation));
        }

        return runs;
    }

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
        Task<RunResult> Subject() => subjectProbe is null ? Load.RunAsync(requests, concurrency, subject) : subjectProbe(() => Load.RunAsync(requests, concurrency, subject));
        Task<RunResult> Baseline() => baselineProbe is null ? Load.RunAsync(requests, concurrency, baseline) : baselineProbe(() => Load.RunAsync(requests, concurrency, baseline));

        await Load.RunAsync(BenchSettings.WarmUp(requests), concurrency, baseline);
        await Load.RunAsync(BenchSettings.WarmUp(requests), concurrency, subject);
        var subjectRuns = new List<RunResult>();
        var baselineRuns = new List<RunResult>();
        for (var i = 0; i < count; i++)
        {
            if (i % 2 == 0)
            {
                baselineRuns.Add(await Baseline());
                subjectRuns.Add(await Subject());
            }
            else
            {
                subjectRuns.Add(await Subject());
                baselineRuns.Add(await Baseline());
            }
        }

        return (subjectRuns, baselineRuns);
    }

    public static bool IsOrderDone(RequestOutcome outcome) =>
        outcome.Status == RequestStatus.Completed && outcome.Results.Count == BenchTopics.Interested.Length;
}
