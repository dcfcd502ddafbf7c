namespace TrustChain.Runtime;

/// <summary>The live view of who subscribes to what: the source of a request's expected set.</summary>
public interface IMembership
{
    /// <summary>The names of the workers with at least one live instance subscribed to <paramref name="topic"/>.</summary>
    IReadOnlyCollection<string> WorkersFor(string topic);

    /// <summary>Every worker known alive, with its topics and instance count.</summary>
    IReadOnlyList<WorkerMembership> Workers { get; }

    /// <summary>
    /// The public keys (base64 SubjectPublicKeyInfo) the live instances of <paramref name="worker"/> announce. They
    /// are claims, not trust: the <see cref="Signing.TrustStore"/> decides which to believe.
    /// </summary>
    IReadOnlyCollection<string> PublicKeysOf(string worker);
}
