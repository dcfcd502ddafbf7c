using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace TrustChain.Signing;

/// <summary>
/// Instances of one ECDSA key, rented one per operation. An ECDsa instance is not documented as safe for concurrent
/// use, and a node signs and verifies from many tasks at once: rather than queue them all behind one instance, each
/// operation takes an idle one, and another is made from the key only when all are busy.
/// </summary>
internal sealed class EcdsaInstances(ECDsa first, Func<ECDsa> another) : IDisposable
{
    private readonly ConcurrentBag<ECDsa> _idle = [first];

    public ECDsa Rent() => _idle.TryTake(out var key) ? key : another();

    public void Return(ECDsa key) => _idle.Add(key);

    public void Dispose()
    {
        while (_idle.TryTake(out var key))
        {
            key.Dispose();
        }
    }
}
