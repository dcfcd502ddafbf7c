using Microsoft.Extensions.DependencyInjection;

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
        await using var api = await BenchApi.StartAsync(settings, "bench-api");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Concurrency });
        var call = new ApiOrderCall(http, api.Address);
        var payload = BenchTopics.OrderPayload(1);
        var direct = api.Services.GetRequiredService<ITrustChainDispatcher>();

        // In turns, so that both rows see the same machine.
        var (overHttp, directly) = await Measure.PairedRunsAsync(settings.ThroughputRuns, settings.Requests, settings.Concurrency,
            async i => (await call.SendAsync(i)).Answer == ApiAnswer.Served,
            async _ => Measure.IsOrderDone(await direct.DispatchAsync(BenchTopics.Order, payload)));
        return
        [
            new ScenarioResult(Name, OverHttp, overHttp, "client in the same process"),
            new ScenarioResult(Name, Direct, directly),
        ];
    }
}
