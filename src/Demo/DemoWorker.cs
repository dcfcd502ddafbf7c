namespace TrustChain.Demo;

/// <summary>Applies the <see cref="DemoKnobs"/> around a demo worker's decision and work.</summary>
public abstract class DemoWorker<TPayload, TResult> : Worker<TPayload, TResult>
    where TPayload : DemoKnobs
{
    public sealed override async ValueTask<bool> IsInterestedAsync(TPayload payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(context);
        await DelayAsync(payload.VerdictMs, context).ConfigureAwait(true);
        return Wants(payload);
    }

    public sealed override async Task<TResult> HandleAsync(TPayload payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(context);
        await DelayAsync(payload.WorkMs, context).ConfigureAwait(true);
        if (payload.Fail?.Contains(Name, StringComparer.Ordinal) == true)
        {
            throw new InvalidOperationException($"{Name} was asked to fail");
        }

        return await WorkAsync(payload, context).ConfigureAwait(true);
    }

    protected abstract bool Wants(TPayload payload);

    protected abstract Task<TResult> WorkAsync(TPayload payload, IWorkerContext context);

    private Task DelayAsync(IReadOnlyDictionary<string, int>? knob, IWorkerContext context) =>
        knob is not null && knob.TryGetValue(Name, out var ms) && ms > 0
            ? Task.Delay(TimeSpan.FromMilliseconds(ms), context.TimeProvider, context.CancellationToken)
            : Task.CompletedTask;
}
