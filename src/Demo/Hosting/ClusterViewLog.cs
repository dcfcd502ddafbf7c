using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using TrustChain.Workers;

namespace TrustChain.Demo.Hosting;

/// <summary>
/// Tells on the log when the process is ready (a silo: active in its cluster; the API: listening, its silo or client
/// up) and, from then on, every change of the cluster's view: how many silos, hosting which workers. Operators read
/// it; the process tests wait for these lines instead of polling.
/// </summary>
public static class ClusterViewLogExtensions
{
    public static IServiceCollection AddClusterViewLog(this IServiceCollection services, string role)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<ClusterViewLog>(sp, role));
        return services;
    }
}

internal sealed partial class ClusterViewLog(
    string role,
    IServiceProvider services,
    IClusterManifestProvider manifests,
    WorkerCatalog catalog,
    IOptions<ClusterOptions> cluster,
    IHostApplicationLifetime lifetime,
    ILogger<ClusterViewLog> logger) : BackgroundService
{
    public const string ReadyMessage = "TrustChain {Role} ready";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var silo = services.GetService<ILocalSiloDetails>()?.SiloAddress.ToParsableString() ?? "client";
        LogReady(role, silo, cluster.Value.ClusterId, cluster.Value.ServiceId);
        var last = string.Empty;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var _ in manifests.Updates.WithCancellation(stoppingToken).ConfigureAwait(false))
                {
                    var workers = catalog.Workers;
                    var silos = workers.SelectMany(w => w.Silos).Distinct(StringComparer.Ordinal).Count();
                    var view = $"{silos} silo(s) host workers {string.Join(", ", workers.Select(w => $"{w.Worker}x{w.Silos.Count}"))}";
                    if (view != last)
                    {
                        last = view;
                        LogView(view);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A log line must never stop the process (a background service's failure stops the host).
                LogViewFailed(ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster view could not be followed; following it again")]
    private partial void LogViewFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = ReadyMessage + ": {Silo} in cluster {ClusterId} of service {ServiceId}")]
    private partial void LogReady(string role, string silo, string clusterId, string serviceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "TrustChain cluster view: {View}")]
    private partial void LogView(string view);
}
