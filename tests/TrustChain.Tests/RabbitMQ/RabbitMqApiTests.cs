using System.Net;
using TrustChain.Hosting;
using TrustChain.Testing;
using TrustChain.Tests.Api;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>The Web API on the RabbitMQ engine: two API nodes, workers in a silo, one broker.</summary>
public sealed class RabbitMqApiTests : IClassFixture<RabbitMqBroker>
{
    [Fact]
    public async Task A_request_started_on_one_API_node_is_read_streamed_and_cancelled_on_the_other_through_the_broker()
    {
        var engine = new RabbitMqTestEngine();
        var probe = new ProbeWorker("probe", "probe.run") { Blocks = true };
        await using var cluster = new TrustChainTestCluster(engine: engine.Apply);
        await cluster.StartSiloAsync(b => b.AddWorker(probe));
        await using var first = Api(engine, "api-1");
        await using var second = Api(engine, "api-2");
        using var owner = first.CreateClient();
        using var other = second.CreateClient();
        try
        {
            var (ready, report) = await other.GetJsonAsync("/readyz");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("RabbitMQ", report.GetProperty("checks").GetProperty("trustchain").GetProperty("data").GetProperty("engine").GetString());
            var (_, workers) = await other.GetJsonAsync("/workers");
            Assert.Equal(["probe"], workers.EnumerateArray().Select(w => w.GetProperty("name").GetString())); // the API hosts none

            await CrossNodeScenario.RunAsync(owner, "api-1", other, probe);
        }
        finally
        {
            probe.Abandon();
        }
    }

    private static ApiHost Api(RabbitMqTestEngine engine, string nodeId) => new(
        new Dictionary<string, string?> { ["TrustChain:Transport"] = "RabbitMQ", ["TrustChain:NodeId"] = nodeId },
        engine.Apply);
}
