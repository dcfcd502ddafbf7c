using System.Diagnostics;
using TrustChain.Telemetry;

namespace TrustChain.Tests.Telemetry;

/// <summary>
/// Records the TrustChain spans that end while it listens, and lets a test await a condition on the spans of one trace.
/// Other tests run in parallel and trace too: everything is read by trace id, never globally.
/// </summary>
public sealed class SpanCollector : IDisposable
{
    /// <summary>The source of the tests' own root spans, whose trace ids tell one test's spans from another's.</summary>
    public static readonly ActivitySource TestSource = new(TestSourceName);

    private const string TestSourceName = "TrustChain.Tests";

    private readonly Lock _gate = new();
    private readonly List<Activity> _stopped = [];
    private readonly List<(ActivityTraceId Trace, Func<IReadOnlyList<Activity>, bool> Condition, TaskCompletionSource<IReadOnlyList<Activity>> Done)> _waiters = [];
    private readonly ActivityListener _listener;

    public SpanCollector()
    {
        _listener = new ActivityListener
        {
            // By name: comparing with TestSource here could create it while the listener is being added, and miss it.
            ShouldListenTo = static s => s.Name is TrustChainTelemetry.Name or TestSourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>A root span for one test; dispatches made while it is current belong to its trace.</summary>
    public static Activity StartRoot(string name) =>
        TestSource.StartActivity(name, ActivityKind.Internal, parentContext: default) ?? throw new InvalidOperationException("The test source is not listened to.");

    /// <summary>The spans of <paramref name="trace"/> once <paramref name="condition"/> holds for those that have ended.</summary>
    public Task<IReadOnlyList<Activity>> WaitForAsync(ActivityTraceId trace, Func<IReadOnlyList<Activity>, bool> condition)
    {
        var done = new TaskCompletionSource<IReadOnlyList<Activity>>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var spans = Of(trace);
            if (condition(spans))
            {
                done.SetResult(spans);
            }
            else
            {
                _waiters.Add((trace, condition, done));
            }
        }

        return done.Task;
    }

    public void Dispose() => _listener.Dispose();

    private void OnStopped(Activity activity)
    {
        lock (_gate)
        {
            _stopped.Add(activity);
            foreach (var waiter in _waiters.Where(w => w.Trace == activity.TraceId).ToList())
            {
                var spans = Of(waiter.Trace);
                if (waiter.Condition(spans))
                {
                    _waiters.Remove(waiter);
                    waiter.Done.SetResult(spans);
                }
            }
        }
    }

    private List<Activity> Of(ActivityTraceId trace) => _stopped.Where(a => a.TraceId == trace && a.Source.Name == TrustChainTelemetry.Name).ToList();
}
