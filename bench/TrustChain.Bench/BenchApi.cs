using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TrustChain.Api;
using TrustChain.Serialization;

namespace TrustChain.Bench;

/// <summary>
/// The Web API's own pipeline on Kestrel on a free loopback port, co-hosting its silo as src/Api does: the key check
/// (<see cref="ApiKeyMiddleware"/>) and the dispatch endpoint with its body and in-flight limits. The API settings
/// (<c>TrustChain:Api:*</c>) are the defaults unless <c>configuration</c> says otherwise.
/// </summary>
internal sealed class BenchApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BenchApi(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The API's base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<BenchApi> StartAsync(BenchSettings settings, string nodeId, IReadOnlyDictionary<string, string?>? configuration = null, Action<ISiloBuilder>? silo = null, Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Error);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => TrustChainJson.Configure(o.SerializerOptions));
        builder.UseOrleans(s => s.AddBenchSilo(settings, nodeId, BenchDelivery.BroadcastChannel, configure: silo));
        builder.Services.AddTrustChainApi();
        var app = builder.Build();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.MapTrustChainRequests();
        map?.Invoke(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BenchApi(app, new Uri(address.EndsWith('/') ? address : $"{address}/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
