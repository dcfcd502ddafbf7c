using TrustChain.Runtime;

namespace TrustChain.Engines.RabbitMQ;

/// <summary>
/// Membership by heartbeat. The workers this node hosts count at once; another node's workers count from its
/// first announcement until it has been silent for <see cref="MissedHeartbeats"/> of its own intervals, or until it
/// says it is leaving. A worker leaves <see cref="WorkersFor"/> when all its instances have.
/// </summary>
public sealed class RabbitMqMembership : IMembership
{
    /// <summary>How many heartbeats in a row a node may miss before its workers leave the expected sets.</summary>
    public const int MissedHeartbeats = 3;

    private readonly Lock _gate = new();
    private readonly string _self;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, AnnouncedWorker> _local = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Remote> _remote = new(StringComparer.Ordinal);
    private readonly List<(Func<IMembership, bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private bool _suspended;

    /// <param name="self">This node's id: its own announcements, echoed back by the fanout, are not news.</param>
    /// <param name="time">The clock that judges silence (the engine's, not a test's manual protocol clock).</param>
    public RabbitMqMembership(string self, TimeProvider time)
    {
        _self = self;
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    public IReadOnlyCollection<string> WorkersFor(string topic)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var workers = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var local in _local.Values)
            {
                if (local.Topics.Contains(topic, StringComparer.Ordinal))
                {
                    workers.Add(local.Worker);
                }
            }

            foreach (var remote in _remote.Values.Where(r => IsAlive(r, now)))
            {
                foreach (var worker in remote.Workers.Where(w => w.Topics.Contains(topic, StringComparer.Ordinal)))
                {
                    workers.Add(worker.Worker);
                }
            }

            return workers.ToArray();
        }
    }

    public IReadOnlyList<WorkerMembership> Workers
    {
        get
        {
            lock (_gate)
            {
                return Hosts(_time.GetUtcNow())
                    .GroupBy(h => h.Worker.Worker, StringComparer.Ordinal)
                    .Select(g => new WorkerMembership(
                        g.Key,
                        g.SelectMany(h => h.Worker.Topics).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
                        g.Select(h => h.Node).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
                        KeysOf(g.Select(h => h.Worker))))
                    .OrderBy(m => m.Worker, StringComparer.Ordinal)
                    .ToList();
            }
        }
    }

    public IReadOnlyCollection<string> PublicKeysOf(string worker)
    {
        lock (_gate)
        {
            return KeysOf(Hosts(_time.GetUtcNow()).Select(h => h.Worker).Where(w => w.Worker == worker));
        }
    }

    /// <summary>Completes once <paramref name="condition"/> holds; re-checked at every change and every heartbeat tick.</summary>
    public async Task WaitUntilAsync(Func<IMembership, bool> condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((condition, done));
        }

        // A cancelled wait completes its entry, so that the next change drops it from the list.
        await using (cancellationToken.Register(() => done.TrySetCanceled(cancellationToken)).ConfigureAwait(false))
        {
            Notify();
            await done.Task.ConfigureAwait(false);
        }
    }

    internal void AddLocal(string worker, IReadOnlyCollection<string> topics, string? publicKey = null)
    {
        lock (_gate)
        {
            _local[worker] = new AnnouncedWorker(worker, topics.ToArray(), publicKey);
        }

        Notify();
    }

    internal void RemoveLocal(string worker)
    {
        lock (_gate)
        {
            _local.Remove(worker);
        }

        Notify();
    }

    internal IReadOnlyList<AnnouncedWorker> LocalWorkers()
    {
        lock (_gate)
        {
            return _local.Values.OrderBy(w => w.Worker, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Takes in a heartbeat. True when it came from a node not known alive until now, which deserves an answer.</summary>
    internal bool Observe(MembershipAnnouncement announcement)
    {
        ArgumentNullException.ThrowIfNull(announcement);
        if (announcement.Node == _self)
        {
            return false;
        }

        bool isNew;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            isNew = !_remote.TryGetValue(announcement.Node, out var known) || !IsAlive(known, now);
            if (announcement.Leaving)
            {
                _remote.Remove(announcement.Node);
                isNew = false;
            }
            else if (!isNew && announcement.At < known!.AnnouncedAt)
            {
                // Announcements of one node can overtake each other (one sent out of turn as a worker starts, one
                // by the timer): an older list of workers must not replace a newer one, but it does show the node lives.
                _remote[announcement.Node] = known with { LastSeen = now };
            }
            else
            {
                _remote[announcement.Node] = new Remote(announcement.Workers, announcement.Interval, now, announcement.At);
            }
        }

        Notify();
        return isNew;
    }

    /// <summary>
    /// This node lost the broker: it cannot hear anyone, so silence proves nothing. The others stay as last heard
    /// until <see cref="Resume"/>, rather than all leaving the expected sets because of our own outage.
    /// </summary>
    internal void Suspend()
    {
        lock (_gate)
        {
            _suspended = true;
        }
    }

    /// <summary>Back on the broker: every known node gets a fresh three heartbeats to be heard again.</summary>
    internal void Resume()
    {
        lock (_gate)
        {
            if (!_suspended)
            {
                return;
            }

            _suspended = false;
            var now = _time.GetUtcNow();
            foreach (var (node, remote) in _remote.ToList())
            {
                _remote[node] = remote with { LastSeen = now };
            }
        }

        Notify();
    }

    /// <summary>Forgets the nodes that have gone silent; called at every heartbeat tick.</summary>
    internal void Expire()
    {
        lock (_gate)
        {
            if (_suspended)
            {
                return;
            }

            var now = _time.GetUtcNow();
            foreach (var node in _remote.Where(r => !IsAlive(r.Value, now)).Select(r => r.Key).ToList())
            {
                _remote.Remove(node);
            }
        }

        Notify();
    }

    /// <summary>Every worker instance known alive, with its node; call under the gate.</summary>
    private IEnumerable<(string Node, AnnouncedWorker Worker)> Hosts(DateTimeOffset now) =>
        _local.Values.Select(l => (Node: _self, Worker: l))
            .Concat(_remote.Where(r => IsAlive(r.Value, now)).SelectMany(r => r.Value.Workers.Select(w => (Node: r.Key, Worker: w))));

    private static string[] KeysOf(IEnumerable<AnnouncedWorker> instances) =>
        instances.Select(w => w.PublicKey).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    private bool IsAlive(Remote remote, DateTimeOffset now) => _suspended || remote.IsAlive(now);

    private void Notify()
    {
        List<(Func<IMembership, bool> Condition, TaskCompletionSource Done)> waiters;
        lock (_gate)
        {
            _waiters.RemoveAll(w => w.Done.Task.IsCompleted);
            waiters = [.. _waiters];
        }

        // Outside the lock: a condition reads the membership.
        foreach (var (condition, done) in waiters)
        {
            try
            {
                if (condition(this))
                {
                    done.TrySetResult();
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                done.TrySetException(ex);
            }
        }
    }

    /// <param name="AnnouncedAt">When the node made the announcement its workers come from (its own clock).</param>
    private sealed record Remote(IReadOnlyList<AnnouncedWorker> Workers, TimeSpan Interval, DateTimeOffset LastSeen, DateTimeOffset AnnouncedAt)
    {
        public bool IsAlive(DateTimeOffset now) => now - LastSeen < Interval * MissedHeartbeats;
    }
}
