using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace TrustChain.Demo.Hosting;

/// <summary>
/// How the silo executable and the API find their cluster, from configuration with Orleans' own names
/// (<c>Orleans:ClusterId</c>, <c>Orleans:ServiceId</c>, <c>Orleans:Endpoints:SiloPort</c>, <c>…:GatewayPort</c>,
/// <c>…:AdvertisedIPAddress</c>). With <c>ConnectionStrings:redis</c> set, the cluster lives in Redis: membership,
/// TrustChain's grain storage (<see cref="TrustChainOptions.StorageName"/>) and reminders; the API joins it as a
/// client. Without it, Orleans' localhost clustering on one machine (memory storage and reminders, which
/// <c>AddTrustChain</c> adds), a second silo naming the first one's port in
/// <c>Orleans:Localhost:PrimarySiloPort</c>. Settings that cannot work stop the process at start, every problem at once.
/// </summary>
public static partial class DemoClustering
{
    public const string SectionName = "Orleans";

    /// <summary>The connection string's name: <c>ConnectionStrings:redis</c>.</summary>
    public const string RedisConnectionName = "redis";

    public const string DefaultServiceId = "trustchain";
    public const string DefaultClusterId = "trustchain-dev";

    /// <summary>True when <c>ConnectionStrings:redis</c> is set: the processes form a cluster over Redis.</summary>
    public static bool IsRedisCluster(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration.GetConnectionString(RedisConnectionName));
    }

    /// <summary>
    /// The silo's clustering (Redis or localhost), endpoints and cluster names; over Redis also TrustChain's grain
    /// storage and reminders. Call it before <c>AddTrustChain</c>, which adds memory storage and reminders only where
    /// none is configured.
    /// </summary>
    public static ISiloBuilder UseDemoClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = ClusterSettings.Read(configuration, client: false);
        silo.Services.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        silo.Services.Configure<EndpointOptions>(o =>
        {
            o.SiloPort = settings.SiloPort;
            o.GatewayPort = settings.GatewayPort;
            if (settings.AdvertisedIPAddress is { } address)
            {
                o.AdvertisedIPAddress = address;
            }
            else if (settings.Redis is null)
            {
                o.AdvertisedIPAddress = IPAddress.Loopback; // localhost clustering: one machine
            }
        });
        BindMembership(silo.Services, configuration);

        if (settings.Redis is not { } redis)
        {
            silo.UseDevelopmentClustering(settings.PrimarySiloPort is { } primary && primary != settings.SiloPort
                ? new IPEndPoint(settings.AdvertisedIPAddress ?? IPAddress.Loopback, primary)
                : null);
            return silo;
        }

        silo.UseRedisClustering(o => o.ConfigurationOptions = Connection(redis));
        silo.AddRedisGrainStorage(TrustChainOptions.StorageName, options => options.Configure<Serializer>((o, serializer) =>
        {
            o.ConfigurationOptions = Connection(redis);
            // Orleans' own serializer: TrustChain's state types are [GenerateSerializer] records (JSON payloads go
            // through TrustChain's JsonElementCodec), which the default Newtonsoft-based storage serializer cannot read.
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            // A forgotten request leaves nothing behind in Redis.
            o.DeleteStateOnClear = true;
        }));
        silo.UseRedisReminderService(o => o.ConfigurationOptions = Connection(redis));
        return silo;
    }

    /// <summary>The API's Orleans client of a cluster over Redis: clustering and the cluster's names.</summary>
    public static IClientBuilder UseDemoClustering(this IClientBuilder client, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = ClusterSettings.Read(configuration, client: true);
        client.Services.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        client.UseRedisClustering(o => o.ConfigurationOptions = Connection(settings.Redis!));
        client.UseConnectionRetryFilter<RetryUntilStopped>();
        return client;
    }

    /// <summary>
    /// <c>Orleans:Membership</c> binds Orleans' <see cref="ClusterMembershipOptions"/> (e.g. <c>ProbeTimeout</c>,
    /// <c>NumMissedProbesLimit</c>): how fast a dead silo is declared dead, and so how fast its grains fail over.
    /// </summary>
    private static void BindMembership(IServiceCollection services, IConfiguration configuration)
    {
        var membership = configuration.GetSection($"{SectionName}:Membership");
        if (membership.Exists())
        {
            services.Configure<ClusterMembershipOptions>(membership);
        }
    }

    // A fresh copy each time: every provider owns its multiplexer, and ConfigurationOptions is mutable.
    private static ConfigurationOptions Connection(ConfigurationOptions redis) => redis.Clone();

    /// <summary>The client waits for a gateway, as long as the process runs: the silos may start after the API.</summary>
    private sealed partial class RetryUntilStopped(Microsoft.Extensions.Logging.ILogger<RetryUntilStopped> logger) : IClientConnectionRetryFilter
    {
        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            LogRetry(logger, exception.Message);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            return true;
        }

        [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "No silo of the cluster answers yet ({Reason}); retrying in 1 s")]
        private static partial void LogRetry(Microsoft.Extensions.Logging.ILogger logger, string reason);
    }

    /// <summary>The cluster settings as read, checked all at once.</summary>
    private sealed record ClusterSettings(
        ConfigurationOptions? Redis,
        string ClusterId,
        string ServiceId,
        int SiloPort,
        int GatewayPort,
        IPAddress? AdvertisedIPAddress,
        int? PrimarySiloPort)
    {
        public static ClusterSettings Read(IConfiguration configuration, bool client)
        {
            var failures = new List<string>();
            var section = configuration.GetSection(SectionName);
            var endpoints = section.GetSection("Endpoints");

            ConfigurationOptions? redis = null;
            var connection = configuration.GetConnectionString(RedisConnectionName);
            if (!string.IsNullOrWhiteSpace(connection))
            {
                try
                {
                    redis = ConfigurationOptions.Parse(connection);
                    if (redis.EndPoints.Count == 0)
                    {
                        failures.Add("ConnectionStrings:redis names no Redis endpoint (e.g. 127.0.0.1:6379).");
                    }
                }
                catch (Exception ex) when (ex is ArgumentException or RedisConnectionException or FormatException)
                {
                    failures.Add($"ConnectionStrings:redis is not a Redis connection string: {ex.Message}");
                }
            }
            else if (client)
            {
                failures.Add("ConnectionStrings:redis must be set for the API to join a cluster as a client.");
            }

            var clusterId = Name(section, "ClusterId", DefaultClusterId, failures);
            var serviceId = Name(section, "ServiceId", DefaultServiceId, failures);
            var siloPort = Port(endpoints, "SiloPort", EndpointOptions.DEFAULT_SILO_PORT, failures);
            var gatewayPort = Port(endpoints, "GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT, failures);
            if (!client && siloPort == gatewayPort && siloPort != 0)
            {
                failures.Add($"Orleans:Endpoints:SiloPort and Orleans:Endpoints:GatewayPort are both {siloPort}; they must differ.");
            }

            IPAddress? advertised = null;
            if (endpoints["AdvertisedIPAddress"] is { Length: > 0 } text && !IPAddress.TryParse(text, out advertised))
            {
                failures.Add($"Orleans:Endpoints:AdvertisedIPAddress '{text}' is not an IP address.");
            }

            int? primary = null;
            var primaryText = section.GetSection("Localhost")["PrimarySiloPort"];
            if (!string.IsNullOrEmpty(primaryText))
            {
                if (redis is not null)
                {
                    failures.Add("Orleans:Localhost:PrimarySiloPort is for localhost clustering; with ConnectionStrings:redis set, the silos find each other in Redis: remove it.");
                }
                else
                {
                    primary = Port(section.GetSection("Localhost"), "PrimarySiloPort", 0, failures);
                }
            }

            if (failures.Count > 0)
            {
                throw new OptionsValidationException(SectionName, typeof(ClusterSettings), failures);
            }

            return new ClusterSettings(redis, clusterId, serviceId, siloPort, gatewayPort, advertised, primary);
        }

        private static string Name(IConfigurationSection section, string key, string fallback, List<string> failures)
        {
            var value = section[key];
            if (value is null)
            {
                return fallback;
            }

            if (string.IsNullOrWhiteSpace(value) || value.Any(c => char.IsWhiteSpace(c) || c == '/'))
            {
                failures.Add($"Orleans:{key} '{value}' must be a non-empty name without spaces or '/'.");
            }

            return value;
        }

        private static int Port(IConfigurationSection section, string key, int fallback, List<string> failures)
        {
            var value = section[key];
            if (string.IsNullOrEmpty(value))
            {
                return fallback;
            }

            if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                failures.Add($"{section.Path}:{key} '{value}' is not a port (1–65535).");
                return fallback;
            }

            return port;
        }
    }
}
