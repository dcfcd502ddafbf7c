using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using TrustChain.Engines.InMemory;
using TrustChain.Hosting;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Api;

/// <summary>Any API node answers for any request, on the embedded engine: queries go to the owner over the in-process network.</summary>
public sealed class ForwardingTests
{
    [Fact]
    public async Task A_request_started_on_one_node_is_read_streamed_and_cancelled_on_another_node_of_the_same_network()
    {
        var network = new InMemoryNetwork();
        var probe = new ProbeWorker("probe", "probe.run") { Blocks = true };
        await using var first = new ApiHost(new Dictionary<string, string?> { ["TrustChain:NodeId"] = "api-1" }, b => b.UseInMemory(network).AddWorker(probe));
        await using var second = new ApiHost(new Dictionary<string, string?> { ["TrustChain:NodeId"] = "api-2" }, b => b.UseInMemory(network));
        using var owner = first.CreateClient();
        using var other = second.CreateClient();
        try
        {
            await CrossNodeScenario.RunAsync(owner, "api-1", other, probe);
        }
        finally
        {
            probe.Abandon();
        }
    }

    [Fact]
    public async Task When_the_owner_node_does_not_answer_within_QueryTimeout_the_API_answers_504_problem()
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { ["TrustChain:QueryTimeout"] = "00:00:00.200" });
        using var client = host.CreateClient();

        // A node that is on the network but never reads its mailbox: the query arrives and no answer comes.
        await using var silent = new InMemoryTransport(host.Services.GetRequiredService<InMemoryNetwork>(), "silent", NullLogger<InMemoryTransport>.Instance);
        var id = RequestId.New("silent");

        foreach (var (method, path) in new[] { (HttpMethod.Get, $"/requests/{id}"), (HttpMethod.Get, $"/requests/{id}/events"), (HttpMethod.Delete, $"/requests/{id}") })
        {
            var (response, problem) = await client.SendAsync(method, path);
            ApiCalls.AssertProblem(HttpStatusCode.GatewayTimeout, response, problem);
        }
    }
}
