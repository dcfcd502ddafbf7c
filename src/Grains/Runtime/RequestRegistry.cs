using System.Collections.Concurrent;

namespace TrustChain.Runtime;

/// <summary>The requests this node owns and that are still running.</summary>
public sealed class RequestRegistry
{
    private readonly ConcurrentDictionary<RequestId, RequestActivation> _running = new();

    public int Count => _running.Count;

    public void Add(RequestActivation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        if (!_running.TryAdd(activation.RequestId, activation))
        {
            throw new InvalidOperationException($"Request {activation.RequestId} is already active.");
        }
    }

    public bool TryGet(RequestId id, out RequestActivation activation) => _running.TryGetValue(id, out activation!);

    public void Remove(RequestActivation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        if (_running.TryRemove(new KeyValuePair<RequestId, RequestActivation>(activation.RequestId, activation)))
        {
            activation.Dispose();
        }
    }

    public IReadOnlyList<RequestActivation> All => _running.Values.ToList();
}
