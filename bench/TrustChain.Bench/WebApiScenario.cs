using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TrustChain.Api;
using TrustChain.Serialization;

namespace TrustChain.Bench;

/// <summary>
/// The order task through the Web API's endpoint over HTTP on loopback (Kestrel, a real socket), the API co-hosting
/// its silo as src/Api does, next to the same silo's dispatcher called directly, in turns: the cost of the API layer. Client
/// and server share this process, so the HTTP row's allocations include the client's.
/// </summary>
internal static class WebApiScenario
{
    public const string Name = "order through the Web API";
    public const string OverHttp = "API co-hosting its silo, HTTP on loopback";
    public const string Direct = "same silo, dispatcher called directly";

    public static async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Error);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => TrustChainJson.Configure(o.SerializerOptions));
        builder.UseOrleans(silo => silo.AddBenchSilo(settings, "bench-api", BenchDelivery.BroadcastChannel));
        builder.Services.AddTrustChainApi();
        await using var app = builder.Build();

        // The API's own pipeline on the request path: the key check (open, as without keys) and the dispatch endpoint
        // with its body and in-flight limits.
        app.UseMiddleware<ApiKeyMiddleware>();
        app.MapTrustChainRequests();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Concurrency }) { BaseAddress = new Uri(address) };
        var payload = BenchTopics.OrderPayload(1);
        var direct = app.Services.GetRequiredService<ITrustChainDispatcher>();

        // In turns, so that both rows see the same machine.
        var (overHttp, directly) = await Measure.PairedRunsAsync(settings.ThroughputRuns, settings.Requests, settings.Concurrency,
            async _ =>
            {
                using var response = await http.PostAsJsonAsync($"/requests/{BenchTopics.Order}", payload);
                if (!response.IsSuccessStatusCode)
                {
                    return false;
                }

                using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
                return body.RootElement.GetProperty("status").GetString() == nameof(RequestStatus.Completed)
                    && body.RootElement.GetProperty("results").GetArrayLength() == BenchTopics.Interested.Length;
            },
            async _ => Measure.IsOrderDone(await direct.DispatchAsync(BenchTopics.Order, payload)));
        await app.StopAsync();
        return
        [
            new ScenarioResult(Name, OverHttp, overHttp, "client in the same process"),
            new ScenarioResult(Name, Direct, directly),
        ];
    }
}
