using Orleans.Reminders.Diagnostics;
using Orleans.Runtime;

namespace TrustChain.Tests.Cluster;

/// <summary>
/// Watches what Orleans' reminder services do with one grain's reminders, on every silo of the process, through
/// Orleans' reminder diagnostics (<see cref="ReminderEvents"/>, made for simulation tests): a test awaits the moment a
/// silo has armed the wait for a tick (so moving a fake clock past it fires it) and the moment a tick was delivered,
/// never a guess.
/// </summary>
public sealed class ReminderWatch : IObserver<ReminderEvents.ReminderEvent>, IDisposable
{
    private readonly GrainId _grain;
    private readonly Lock _gate = new();
    private readonly List<ReminderEvents.ReminderEvent> _seen = [];
    private readonly List<(Func<ReminderEvents.ReminderEvent, bool> Match, TaskCompletionSource<ReminderEvents.ReminderEvent> Found)> _waiters = [];
    private readonly List<SiloAddress?> _started = [];
    private readonly List<(SiloAddress Silo, TaskCompletionSource Started)> _startWaiters = [];
    private readonly IDisposable _subscription;
    private readonly IDisposable _serviceSubscription;

    /// <summary>Starts watching the reminders of <paramref name="grain"/>; start before the grain registers one.</summary>
    public ReminderWatch(GrainId grain)
    {
        _grain = grain;
        _subscription = ReminderEvents.AllEvents.Subscribe(this);
        _serviceSubscription = ReminderEvents.ServiceEvents.Subscribe(new ServiceObserver(this));
    }

    /// <summary>Once the reminder service of <paramref name="silo"/> has loaded its share of the table and handles ring changes.</summary>
    public Task ServiceStarted(SiloAddress silo)
    {
        lock (_gate)
        {
            if (_started.Contains(silo))
            {
                return Task.CompletedTask;
            }

            var started = Safety.Signal();
            _startWaiters.Add((silo, started));
            return started.Task;
        }
    }

    /// <summary>Once a silo <paramref name="on"/> accepts has armed the wait for the next tick of <paramref name="reminder"/> (seen already, or to come).</summary>
    public Task<ReminderEvents.ReminderEvent> TickArmed(string reminder, Func<SiloAddress?, bool> on) =>
        When(e => e is ReminderEvents.LocalReminderTickWaitArmed && e.ReminderName == reminder && on(e.SiloAddress));

    /// <summary>Once a silo <paramref name="on"/> accepts has delivered a tick of <paramref name="reminder"/> and the grain has handled it.</summary>
    public Task<ReminderEvents.ReminderEvent> TickDelivered(string reminder, Func<SiloAddress?, bool> on) =>
        When(e => e is ReminderEvents.TickCompleted && e.ReminderName == reminder && on(e.SiloAddress));

    /// <summary>Every event seen for the grain so far, in order, for a failure message.</summary>
    public string Describe()
    {
        lock (_gate)
        {
            return string.Join("; ", _seen.Select(e => $"{e.GetType().Name} on {e.SiloAddress}"));
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _serviceSubscription.Dispose();
    }

    void IObserver<ReminderEvents.ReminderEvent>.OnNext(ReminderEvents.ReminderEvent value)
    {
        if (value.GrainId != _grain)
        {
            return;
        }

        List<TaskCompletionSource<ReminderEvents.ReminderEvent>> found = [];
        lock (_gate)
        {
            _seen.Add(value);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(value))
                {
                    found.Add(_waiters[i].Found);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in found)
        {
            waiter.TrySetResult(value);
        }
    }

    void IObserver<ReminderEvents.ReminderEvent>.OnError(Exception error)
    {
    }

    void IObserver<ReminderEvents.ReminderEvent>.OnCompleted()
    {
    }

    private void OnServiceStarted(SiloAddress? silo)
    {
        List<TaskCompletionSource> found = [];
        lock (_gate)
        {
            _started.Add(silo);
            found.AddRange(_startWaiters.Where(w => w.Silo.Equals(silo)).Select(w => w.Started));
            _startWaiters.RemoveAll(w => w.Silo.Equals(silo));
        }

        foreach (var started in found)
        {
            started.TrySetResult();
        }
    }

    private Task<ReminderEvents.ReminderEvent> When(Func<ReminderEvents.ReminderEvent, bool> match)
    {
        lock (_gate)
        {
            if (_seen.FirstOrDefault(match) is { } seen)
            {
                return Task.FromResult(seen);
            }

            var found = Safety.Signal<ReminderEvents.ReminderEvent>();
            _waiters.Add((match, found));
            return found.Task;
        }
    }

    private sealed class ServiceObserver(ReminderWatch watch) : IObserver<ReminderEvents.ReminderServiceEvent>
    {
        public void OnNext(ReminderEvents.ReminderServiceEvent value)
        {
            if (value is ReminderEvents.ReminderServiceStarted)
            {
                watch.OnServiceStarted(value.SiloAddress);
            }
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }
}
