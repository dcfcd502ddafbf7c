using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TrustChain.Runtime;

namespace TrustChain.Testing;

/// <summary>One silo of a <see cref="TrustChainTestCluster"/>: a whole Generic Host that is a TrustChain node.</summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private int _stopped;
    private int _disposed;

    internal TestSilo(IHost host)
    {
        _host = host;
        Node = host.Services.GetRequiredService<TrustChainNode>();
    }

    public string NodeId => Node.NodeId;

    public IServiceProvider Services => _host.Services;

    public ITrustChainDispatcher Dispatcher => Services.GetRequiredService<ITrustChainDispatcher>();

    public TrustChainNode Node { get; }

    public bool IsRunning => Volatile.Read(ref _stopped) == 0;

    /// <summary>Stops as a deployment would: no new tasks, those in progress finish or go back to their queue.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _host.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Dies at once, as under <c>kill -9</c>: unacknowledged tasks are redelivered, nothing more it sends arrives.</summary>
    public void Kill()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            var transport = Services.GetRequiredService<ITransport>();
            (transport as ICrashable ?? throw new NotSupportedException($"{transport.GetType().Name} cannot crash on demand.")).Crash();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            _host.Dispose();
        }
    }
}
