using Orleans.Runtime;

namespace TrustChain;

/// <summary>
/// Failures of a grain call that a retry can cure: a silo that died or is not yet known dead (rejections, connection
/// failures, response timeouts), a request grain that stepped aside after a failed write
/// (<see cref="RequestUnavailableException"/>), or its storage being unreachable for a while (Redis restarting).
/// </summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        null => false,
        RequestUnavailableException or TimeoutException or OrleansException => true,
        _ when exception.GetType().FullName is { } name && (name.StartsWith("StackExchange.Redis.", StringComparison.Ordinal) || name.Contains("Redis", StringComparison.Ordinal)) => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient),
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };

    /// <summary>
    /// Calls <paramref name="call"/> until it answers, retrying transient failures with a growing pause (50 ms doubling
    /// up to 2 s, real time), for at most <paramref name="budget"/> of real time from the first failure; then, or on a
    /// failure that is not transient, the failure is thrown.
    /// </summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, TimeSpan budget, Action<Exception, int>? onRetry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var pause = TimeSpan.FromMilliseconds(50);
        long? firstFailure = null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().ConfigureAwait(true);
            }
            catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                firstFailure ??= TimeProvider.System.GetTimestamp();
                if (TimeProvider.System.GetElapsedTime(firstFailure.Value) + pause > budget)
                {
                    throw;
                }

                onRetry?.Invoke(ex, attempt);
                await Task.Delay(pause, TimeProvider.System, cancellationToken).ConfigureAwait(true);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    /// <inheritdoc cref="RetryAsync{T}"/>
    public static Task RetryAsync(Func<Task> call, TimeSpan budget, Action<Exception, int>? onRetry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        return RetryAsync(async () =>
        {
            await call().ConfigureAwait(true);
            return true;
        }, budget, onRetry, cancellationToken);
    }
}
