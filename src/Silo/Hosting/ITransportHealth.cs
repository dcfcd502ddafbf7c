namespace TrustChain.Hosting;

/// <summary>
/// An engine that depends on something outside the process (a broker) and can tell whether it reaches it. Engines
/// that do not implement it are always reachable (the in-memory one).
/// </summary>
public interface ITransportHealth
{
    /// <summary>True while the engine is connected; false while it is (re)connecting.</summary>
    bool IsConnected { get; }

    /// <summary>Where the engine connects to, without credentials, for logs and health reports.</summary>
    string Endpoint { get; }
}
