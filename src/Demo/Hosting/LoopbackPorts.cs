using System.Net;
using System.Net.Sockets;

namespace TrustChain.Demo.Hosting;

/// <summary>
/// Loopback ports for silos started side by side in one process (the bench, the tests): free when asked for, and
/// never handed out twice by this process, so two silos starting at once cannot both take a port the system just
/// freed.
/// </summary>
public static class LoopbackPorts
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>Two distinct free ports: one for a silo, one for its gateway.</summary>
    public static (int Silo, int Gateway) TakeSiloAndGateway()
    {
        lock (HandedOut)
        {
            var listeners = new List<TcpListener>();
            try
            {
                var ports = new List<int>();
                while (ports.Count < 2)
                {
                    var listener = new TcpListener(IPAddress.Loopback, 0);
                    listeners.Add(listener);
                    listener.Start();
                    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                    if (HandedOut.Add(port))
                    {
                        ports.Add(port);
                    }
                }

                return (ports[0], ports[1]);
            }
            finally
            {
                foreach (var listener in listeners)
                {
                    listener.Dispose();
                }
            }
        }
    }
}
