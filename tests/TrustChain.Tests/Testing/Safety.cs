namespace TrustChain.Tests.Cluster;

// A copy of the Safety class of Cluster/TestWorkers.cs, for the API tests while Cluster/** is not compiled; the
// integrator keeps one of the two.

/// <summary>How long a test waits for anything before it fails instead of hanging CI. Never a timing assertion.</summary>
public static class Safety
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static Task<T> Guarded<T>(this Task<T> task) => task.WaitAsync(Timeout);

    public static Task Guarded(this Task task) => task.WaitAsync(Timeout);

    /// <summary>A one-shot signal whose waiters never run inline on the thread that raises it.</summary>
    public static TaskCompletionSource<T> Signal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc cref="Signal{T}"/>
    public static TaskCompletionSource Signal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
