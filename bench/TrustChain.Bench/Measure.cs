namespace TrustChain.Bench;

/// <summary>A warm-up run (thrown away), then the measured runs.</summary>
internal static class Measure
{
    public static async Task<IReadOnlyList<RunResult>> RunsAsync(BenchSettings settings, int requests, int concurrency, Func<int, Task<bool>> operation)
    {
        await Load.RunAsync(BenchSettings.WarmUp(requests), concurrency, operation);
        var runs = new List<RunResult>();
        for (var i = 0; i < settings.Runs; i++)
        {
            runs.Add(await Load.RunAsync(requests, concurrency, operation));
        }

        return runs;
    }

    public static bool IsOrderDone(RequestOutcome outcome) =>
        outcome.Status == RequestStatus.Completed && outcome.Results.Count == BenchTopics.Interested.Length;
}
