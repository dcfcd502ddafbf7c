using Microsoft.Extensions.Hosting;
using TrustChain.Runtime;

namespace TrustChain.Hosting;

/// <summary>Starts the node with the host and stops it gracefully (tasks in progress finish or go back to their queue).</summary>
internal sealed class TrustChainHostedService(TrustChainNode node) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => node.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => node.StopAsync(cancellationToken);
}
