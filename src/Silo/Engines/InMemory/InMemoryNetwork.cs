using System.Collections.Concurrent;
using TrustChain.Messages;
using TrustChain.Runtime;

namespace TrustChain.Engines.InMemory;

/// <summary>
/// The in-process broker shared by every node of one process (or of one test cluster): a queue per worker name
/// that the worker's instances compete on, topic bindings, and a mailbox per node. It mirrors the RabbitMQ
/// topology so that a test on it means the same thing there: acknowledged delivery, redelivery when an instance
/// dies, nothing reaching a dead node.
/// </summary>
public sealed class InMemoryNetwork : IMembership
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, WorkerQueue> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _bindings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, InMemoryTransport> _nodes = new(StringComparer.Ordinal);

    /// <summary>The ids of the nodes attached and alive.</summary>
    public IReadOnlyCollection<string> Nodes => _nodes.Keys.ToList();

    public IReadOnlyList<WorkerMembership> Workers
    {
        get
        {
            lock (_gate)
            {
                return _queues.Values
                    .Select(q => q.Membership())
                    .Where(m => m.Instances.Count > 0)
                    .OrderBy(m => m.Worker, StringComparer.Ordinal)
                    .ToList();
            }
        }
    }

    public IReadOnlyCollection<string> WorkersFor(string topic)
    {
        lock (_gate)
        {
            return _bindings.TryGetValue(topic, out var workers)
                ? workers.Where(w => _queues[w].HasConsumers).ToArray()
                : [];
        }
    }

    public IReadOnlyCollection<string> PublicKeysOf(string worker)
    {
        lock (_gate)
        {
            return _queues.TryGetValue(worker, out var queue) ? queue.PublicKeys() : [];
        }
    }

    /// <summary>Tasks waiting in the named worker's queue, not yet taken by an instance.</summary>
    public int QueuedTasks(string worker)
    {
        lock (_gate)
        {
            return _queues.TryGetValue(worker, out var queue) ? queue.Count : 0;
        }
    }

    /// <summary>Kills a node as <c>kill -9</c> would: its unacknowledged tasks go back to their queues, and nothing it sends arrives.</summary>
    public void Crash(string nodeId)
    {
        if (_nodes.TryGetValue(nodeId, out var node))
        {
            node.Crash();
        }
    }

    internal void Attach(InMemoryTransport node)
    {
        if (!_nodes.TryAdd(node.NodeId, node))
        {
            throw new InvalidOperationException($"A node named '{node.NodeId}' is already attached to this network.");
        }
    }

    internal void Detach(InMemoryTransport node) =>
        _nodes.TryRemove(new KeyValuePair<string, InMemoryTransport>(node.NodeId, node));

    internal void Publish(TaskMessage task)
    {
        lock (_gate)
        {
            if (!_bindings.TryGetValue(task.Topic, out var workers))
            {
                return; // like an unroutable message on a topic exchange: nobody subscribes, the grain expects nobody
            }

            foreach (var worker in workers)
            {
                _queues[worker].Enqueue(task, redelivered: false);
            }
        }
    }

    internal bool Deliver(string nodeId, TrustChainMessage message) =>
        _nodes.TryGetValue(nodeId, out var node) && node.Enqueue(message);

    internal void Broadcast(TrustChainMessage message)
    {
        foreach (var node in _nodes.Values)
        {
            node.Enqueue(message);
        }
    }

    internal WorkerQueue Bind(WorkerSubscription subscription)
    {
        lock (_gate)
        {
            if (!_queues.TryGetValue(subscription.Worker, out var queue))
            {
                queue = new WorkerQueue(subscription.Worker);
                _queues.Add(subscription.Worker, queue);
            }

            foreach (var topic in subscription.Topics)
            {
                if (!_bindings.TryGetValue(topic, out var workers))
                {
                    workers = new HashSet<string>(StringComparer.Ordinal);
                    _bindings.Add(topic, workers);
                }

                workers.Add(subscription.Worker);
                queue.Topics.Add(topic);
            }

            return queue;
        }
    }
}
