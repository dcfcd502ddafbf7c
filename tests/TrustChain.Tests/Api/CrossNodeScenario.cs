using System.Net;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Api;

/// <summary>
/// The same calls on any engine: a request started through one API node is read, streamed and cancelled through
/// another, which forwards each query to the owner named in the request id.
/// </summary>
public static class CrossNodeScenario
{
    /// <param name="probe">A blocking worker subscribed to <c>probe.run</c> somewhere in the cluster.</param>
    public static async Task RunAsync(HttpClient owner, string ownerNodeId, HttpClient other, ProbeWorker probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var id = await owner.StartAsync("probe.run", "{}");
        Assert.Equal(ownerNodeId, RequestId.Parse(id).Owner);
        await probe.Started.Task.Guarded();

        var (read, view) = await other.GetJsonAsync($"/requests/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("Running", view.GetProperty("status").GetString());
        Assert.Equal(["Dispatched", "Verdict", "InterestClosed"], view.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));

        var (streaming, stream) = await other.OpenEventsAsync($"/requests/{id}/events");
        using (streaming)
        using (stream)
        {
            Assert.Equal(HttpStatusCode.OK, streaming.StatusCode);
            Assert.Equal(["dispatched", "verdict", "interestClosed"], (await stream.UntilAsync("interestClosed")).Select(e => e.Event));

            var (deleted, _) = await other.SendAsync(HttpMethod.Delete, $"/requests/{id}");
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

            // The live stream, forwarded by long polls, sees the end that the cancellation caused.
            var rest = await stream.ToEndAsync();
            var completed = rest.Single(e => e.Event == "completed");
            Assert.Equal("Cancelled", completed.Json.GetProperty("outcome").GetProperty("status").GetString());
        }

        await probe.Cancelled.Task.Guarded(); // the cancellation reached the worker
        var (after, ended) = await other.GetJsonAsync($"/requests/{id}");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("Cancelled", ended.GetProperty("outcome").GetProperty("status").GetString());
        var (again, conflict) = await other.SendAsync(HttpMethod.Delete, $"/requests/{id}");
        ApiCalls.AssertProblem(HttpStatusCode.Conflict, again, conflict);

        // A well-formed id of a node nobody knows, and an id its owner does not know.
        var (noNode, noNodeProblem) = await other.GetJsonAsync($"/requests/{RequestId.New("no-such-node")}");
        ApiCalls.AssertProblem(HttpStatusCode.NotFound, noNode, noNodeProblem);
        var (unknown, unknownProblem) = await other.GetJsonAsync($"/requests/{RequestId.New(ownerNodeId)}");
        ApiCalls.AssertProblem(HttpStatusCode.NotFound, unknown, unknownProblem);
    }
}
