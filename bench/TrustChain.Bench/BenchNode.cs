using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TrustChain.Hosting;
using TrustChain.Runtime;

namespace TrustChain.Bench;

/// <summary>A TrustChain node as a Generic Host, the way a user would build one; logs errors only.</summary>
internal sealed class BenchNode : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchNode(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public ITrustChainDispatcher Dispatcher => Services.GetRequiredService<ITrustChainDispatcher>();

    public ITransport Transport => Services.GetRequiredService<ITransport>();

    public static async Task<BenchNode> StartAsync(string nodeId, Action<ITrustChainBuilder> configure, Action<TrustChainOptions>? options = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Error);
        var trustChain = builder.Services.AddTrustChain(o =>
        {
            o.NodeId = nodeId;
            options?.Invoke(o);
        });
        configure(trustChain);
        var host = builder.Build();
        await host.StartAsync();
        return new BenchNode(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }
}
