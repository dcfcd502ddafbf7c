using Microsoft.Extensions.DependencyInjection;

namespace TrustChain.Bench;

/// <summary>Counts waiters in; signals when the expected number is reached; releases them all at once.</summary>
internal sealed class WaitingGate(int expected)
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _full = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _entered;

    public int Entered => Volatile.Read(ref _entered);

    /// <summary>Completes when <c>expected</c> waiters are inside.</summary>
    public Task Full => _full.Task;

    public Task EnterAsync()
    {
        if (Interlocked.Increment(ref _entered) == expected)
        {
            _full.TrySetResult();
        }

        return _open.Task;
    }

    public void Open() => _open.TrySetResult();

    /// <summary>The silo's gate: only the in-flight scenario's silo has one.</summary>
    public static WaitingGate Of(IServiceProvider services) =>
        services.GetService<WaitingGate>() ?? throw new InvalidOperationException("This silo has no waiting gate (only the in-flight scenario's silo has one).");
}
