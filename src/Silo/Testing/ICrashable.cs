namespace TrustChain.Testing;

/// <summary>
/// An engine's way to make a node die abruptly, as under <c>kill -9</c>: unacknowledged tasks are redelivered and
/// nothing more the node sends arrives. For tests of crash recovery; production code never calls it.
/// </summary>
public interface ICrashable
{
    void Crash();
}
