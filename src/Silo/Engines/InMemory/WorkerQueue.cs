using System.Threading.Channels;
using TrustChain.Messages;
using TrustChain.Runtime;

namespace TrustChain.Engines.InMemory;

/// <summary>One worker's durable queue: it outlives its consumers, so tasks wait for an instance to come back.</summary>
internal sealed class WorkerQueue(string worker)
{
    private readonly Channel<Delivery> _channel = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Dictionary<InMemoryConsumer, (string NodeId, string? PublicKey)> _consumers = [];

    public string Worker { get; } = worker;

    public HashSet<string> Topics { get; } = new(StringComparer.Ordinal);

    public ChannelReader<Delivery> Reader => _channel.Reader;

    public int Count => _channel.Reader.Count;

    public bool HasConsumers
    {
        get
        {
            lock (_consumers)
            {
                return _consumers.Count > 0;
            }
        }
    }

    public void Enqueue(TaskMessage task, bool redelivered) => _channel.Writer.TryWrite(new Delivery(task, redelivered));

    public void AddConsumer(InMemoryConsumer consumer, string nodeId, string? publicKey)
    {
        lock (_consumers)
        {
            _consumers.Add(consumer, (nodeId, publicKey));
        }
    }

    /// <summary>The keys the live instances announce, as each instance claims it.</summary>
    public IReadOnlyCollection<string> PublicKeys()
    {
        lock (_consumers)
        {
            return _consumers.Values.Select(c => c.PublicKey).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        }
    }

    public void RemoveConsumer(InMemoryConsumer consumer)
    {
        lock (_consumers)
        {
            _consumers.Remove(consumer);
        }
    }

    public WorkerMembership Membership()
    {
        lock (_consumers)
        {
            return new WorkerMembership(
                Worker,
                Topics.Order(StringComparer.Ordinal).ToArray(),
                _consumers.Values.Select(c => c.NodeId).Distinct().Order(StringComparer.Ordinal).ToArray(),
                _consumers.Values.Select(c => c.PublicKey).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());
        }
    }

    internal sealed record Delivery(TaskMessage Task, bool Redelivered);
}
