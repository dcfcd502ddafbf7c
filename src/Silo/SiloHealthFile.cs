using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TrustChain.Hosting;
using TrustChain.Runtime;

namespace TrustChain.Silo;

/// <summary>
/// A liveness probe for a silo, which serves no HTTP: while its engine is connected the silo touches
/// <c>TrustChain:HealthFile</c> every few seconds, and removes it when the connection is lost. A container health
/// check then only asks whether the file is fresh (see docker-compose.yml).
/// </summary>
internal sealed partial class SiloHealthFile(string path, ITransport transport, TimeProvider time, ILogger<SiloHealthFile> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        var healthy = (bool?)null;
        do
        {
            var now = transport is not ITransportHealth health || health.IsConnected;
            try
            {
                if (now)
                {
                    await File.WriteAllTextAsync(path, time.GetUtcNow().ToString("O"), stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    File.Delete(path);
                }
            }
            catch (IOException ex)
            {
                LogWriteFailed(path, ex.Message);
            }

            if (healthy != now)
            {
                LogHealth(now);
                healthy = now;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        File.Delete(path);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo health: {Healthy}")]
    private partial void LogHealth(bool healthy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the health file {Path}: {Error}")]
    private partial void LogWriteFailed(string path, string error);
}
