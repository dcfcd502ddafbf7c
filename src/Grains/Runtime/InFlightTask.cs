using TrustChain.Messages;

namespace TrustChain.Runtime;

/// <summary>
/// One task a worker on this node is deciding on or working on: where the grain's verdict reply lands, and the
/// token that stops the work when the request is cancelled, times out, or the node stops.
/// </summary>
internal sealed class InFlightTask : IDisposable
{
    private readonly CancellationTokenSource _cancellation;
    private readonly TaskCompletionSource<VerdictReply> _verdictReply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public InFlightTask(TaskMessage task, string worker, TimeProvider time, CancellationToken nodeStopping)
    {
        Task = task;
        Worker = worker;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(nodeStopping);
        var remaining = task.Deadline - time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            _cancellation.Cancel();
        }
        else if (time == TimeProvider.System)
        {
            // On the system clock the token's own timer is enough: no second source and registration per task.
            _cancellation.CancelAfter(remaining);
        }
        else
        {
            // Driven by the TimeProvider so that tests with a manual clock see the same deadline as the grain.
            Deadline = new CancellationTokenSource(remaining, time);
            DeadlineRegistration = Deadline.Token.Register(static s => ((CancellationTokenSource)s!).Cancel(), _cancellation);
        }
    }

    public TaskMessage Task { get; }

    public string Worker { get; }

    public CancellationToken Token => _cancellation.Token;

    public Task<VerdictReply> VerdictReply => _verdictReply.Task;

    private CancellationTokenSource? Deadline { get; }

    private CancellationTokenRegistration DeadlineRegistration { get; }

    public void OnVerdictReply(VerdictReply reply) => _verdictReply.TrySetResult(reply);

    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished meanwhile: nothing left to stop.
        }
    }

    public void Dispose()
    {
        DeadlineRegistration.Dispose();
        Deadline?.Dispose();
        _cancellation.Dispose();
    }
}
