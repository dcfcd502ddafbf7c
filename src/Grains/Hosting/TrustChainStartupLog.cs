using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrustChain.Signing;

namespace TrustChain.Hosting;

/// <summary>Logs TrustChain's settings at start, as Orleans logs its options (nothing here is a secret: key files are paths).</summary>
internal sealed partial class TrustChainStartupLog(IOptions<TrustChainOptions> options, IOptions<SigningOptions> signing, ILogger<TrustChainStartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        LogOptions(o.NodeId, o.Delivery, o.DeliveryProvider, o.InterestWindow, o.DefaultTimeout, o.MaxTimeout, o.LeaseDuration, o.WorkerConcurrency, o.Retention, o.MaxRetainedRequests, o.MaxRetainedBytes, o.TentativeTtl, o.Workers is null ? "all" : string.Join(",", o.Workers), signing.Value.Policy);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "TrustChain options: NodeId {NodeId}, Delivery {Delivery} ({Provider}), InterestWindow {Window}, DefaultTimeout {DefaultTimeout}, MaxTimeout {MaxTimeout}, LeaseDuration {Lease}, WorkerConcurrency {Concurrency}, Retention {Retention}, MaxRetainedRequests {MaxRetained}, MaxRetainedBytes {MaxRetainedBytes}, TentativeTtl {Ttl}, Workers {Workers}, Signing {Policy}")]
    private partial void LogOptions(string nodeId, TaskDelivery delivery, string provider, TimeSpan window, TimeSpan defaultTimeout, TimeSpan maxTimeout, TimeSpan lease, int concurrency, TimeSpan retention, int maxRetained, long maxRetainedBytes, TimeSpan ttl, string workers, SigningPolicy? policy);
}
