using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using TrustChain.Dispatch;
using TrustChain.Signing;

namespace TrustChain.Workers;

/// <summary>What every worker grain on a silo shares, resolved once rather than on every activation.</summary>
internal sealed class WorkerServices(
    IOptions<TrustChainOptions> options,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider time,
    WorkerKeyRing keys,
    WorkerSlots slots,
    TrustChainDispatcher dispatcher,
    ILocalSiloDetails silo,
    ILoggerFactory loggers)
{
    public TrustChainOptions Options { get; } = options.Value;

    public TimeProvider Time => time;

    public WorkerKeyRing Keys => keys;

    public WorkerSlots Slots => slots;

    public TrustChainDispatcher Dispatcher => dispatcher;

    /// <summary>The instance a reply comes from: this silo.</summary>
    public string Instance { get; } = silo.SiloAddress.ToParsableString();

    public ILogger LoggerFor(string worker) => loggers.CreateLogger($"TrustChain.Workers.{worker}");
}
