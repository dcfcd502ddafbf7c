using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using TrustChain.Api;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Api;

/// <summary>
/// Any API node answers for any request of its cluster: two API hosts whose silos form one Orleans cluster, where each
/// call goes to the request's grain wherever it lives; and a grain that does not answer in time is a 504.
/// </summary>
public sealed class ForwardingTests
{
    [Fact]
    public async Task A_request_started_through_one_API_node_is_read_streamed_and_cancelled_through_another_node_of_the_cluster()
    {
        var probe = new BlockingProbe();
        await using var first = new ApiHost(new Dictionary<string, string?> { ["TrustChain:NodeId"] = "api-1" }, workers: [probe]);
        using var owner = await first.StartAsync();
        await using var second = new ApiHost(new Dictionary<string, string?> { ["TrustChain:NodeId"] = "api-2" }, joining: first);
        using var other = await second.StartAsync(silos: 2);
        await first.WaitForClusterAsync(silos: 2);
        try
        {
            var id = await owner.StartAsync(BlockingProbe.Topic, "{}");
            Assert.Equal("api-1", RequestId.Parse(id).Owner);
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

                // The live stream on the other node sees the end that the cancellation caused.
                var rest = await stream.ToEndAsync();
                var completed = rest.Single(e => e.Event == "completed");
                Assert.Equal("Cancelled", completed.Json.GetProperty("outcome").GetProperty("status").GetString());
            }

            await probe.Cancelled.Task.Guarded(); // the cancellation reached the worker, on the first node's silo
            var (after, ended) = await other.GetJsonAsync($"/requests/{id}");
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            Assert.Equal("Cancelled", ended.GetProperty("outcome").GetProperty("status").GetString());
            var (again, conflict) = await other.SendAsync(HttpMethod.Delete, $"/requests/{id}");
            ApiCalls.AssertProblem(HttpStatusCode.Conflict, again, conflict);

            // Both nodes list it: the list is the cluster's.
            foreach (var client in new[] { owner, other })
            {
                var (_, list) = await client.GetJsonAsync("/requests");
                Assert.Contains(list.EnumerateArray(), r => r.GetProperty("requestId").GetString() == id);
            }

            // Well-formed ids nobody dispatched, whichever node they name.
            foreach (var unknown in new[] { RequestId.New("no-such-node"), RequestId.New("api-1") })
            {
                var (response, problem) = await other.GetJsonAsync($"/requests/{unknown}");
                ApiCalls.AssertProblem(HttpStatusCode.NotFound, response, problem);
            }
        }
        finally
        {
            probe.Abandon();
        }
    }

    [Fact]
    public async Task Either_API_node_of_a_two_silo_cluster_lists_the_workers_of_both_silos_and_a_dispatch_is_answered_by_both()
    {
        var probe = new BlockingProbe();
        await using var first = new ApiHost(workers: [probe]);
        using var one = await first.StartAsync();
        await using var second = new ApiHost(joining: first);
        using var two = await second.StartAsync(silos: 2);
        await first.WaitForClusterAsync(silos: 2);
        try
        {
            foreach (var client in new[] { one, two })
            {
                var (_, topics) = await client.GetJsonAsync("/topics");
                var byTopic = topics.EnumerateArray().ToDictionary(t => t.GetProperty("topic").GetString()!);
                Assert.Equal(6, byTopic["order.placed"].GetProperty("instances").GetInt32()); // 3 workers on 2 silos
                Assert.Equal(1, byTopic[BlockingProbe.Topic].GetProperty("instances").GetInt32());
                var (_, workers) = await client.GetJsonAsync("/workers");
                var fraud = workers.EnumerateArray().Single(w => w.GetProperty("name").GetString() == "fraud");
                Assert.Equal(2, fraud.GetProperty("instances").GetArrayLength());
            }

            // A worker hosted by two silos is one expected worker: one verdict, one result.
            var (response, outcome) = await two.SendAsync(HttpMethod.Post, "/requests/order.placed", """{ "customerId": "c-1", "amount": 1500 }""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("Completed", outcome.GetProperty("status").GetString());
            Assert.Equal(["fraud", "inventory", "loyalty"], outcome.GetProperty("verdicts").EnumerateArray().Select(v => v.GetProperty("worker").GetString()).Order(StringComparer.Ordinal));
            Assert.Equal(["fraud", "loyalty"], outcome.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("worker").GetString()).Order(StringComparer.Ordinal));
        }
        finally
        {
            probe.Abandon();
        }
    }

    [Fact]
    public async Task When_the_request_grain_does_not_answer_within_Orleans_response_timeout_the_API_answers_504_problem()
    {
        // Every call to a request grain is held until the end of the test; Orleans gives up on it after its
        // response timeout (made short here), the reads ask again for TrustChain:Api:FailoverWait (short here too),
        // and the API says so.
        var held = new HoldRequestGrainCalls();
        await using var host = new ApiHost(new Dictionary<string, string?> { ["TrustChain:Api:FailoverWait"] = "00:00:00.1" }, services: services =>
        {
            services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMilliseconds(200));
            services.AddSingleton<IIncomingGrainCallFilter>(held);
        });
        using var client = await host.StartAsync();
        var id = RequestId.New("api-1");
        try
        {
            foreach (var (method, path) in new[] { (HttpMethod.Get, $"/requests/{id}"), (HttpMethod.Get, $"/requests/{id}/events"), (HttpMethod.Delete, $"/requests/{id}") })
            {
                var (response, problem) = await client.SendAsync(method, path);
                ApiCalls.AssertProblem(HttpStatusCode.GatewayTimeout, response, problem);
            }

            Assert.True(held.Held >= 3);
        }
        finally
        {
            held.Release.TrySetResult();
        }
    }

    [Fact]
    public void The_failover_wait_of_reads_and_streams_defaults_to_a_minute_and_must_be_positive_and_at_most_ten_minutes()
    {
        var validator = new TrustChainApiOptionsValidator();

        Assert.Equal(TimeSpan.FromMinutes(1), new TrustChainApiOptions().FailoverWait);
        Assert.True(validator.Validate(null, new TrustChainApiOptions { FailoverWait = TimeSpan.FromMinutes(10) }).Succeeded);
        foreach (var wait in new[] { TimeSpan.Zero, TimeSpan.FromSeconds(-1), TimeSpan.FromMinutes(10) + TimeSpan.FromTicks(1) })
        {
            var refused = validator.Validate(null, new TrustChainApiOptions { FailoverWait = wait });
            Assert.Contains("TrustChain:Api:FailoverWait must be positive and at most 00:10:00.", refused.Failures!);
        }
    }

    /// <summary>Holds every incoming call to a request grain until <see cref="Release"/>.</summary>
    private sealed class HoldRequestGrainCalls : IIncomingGrainCallFilter
    {
        private int _held;

        public TaskCompletionSource Release { get; } = Safety.Signal();

        public int Held => Volatile.Read(ref _held);

        public Task Invoke(IIncomingGrainCallContext context) =>
            context.Grain is IRequestGrain ? HoldAsync(context) : context.Invoke();

        private async Task HoldAsync(IIncomingGrainCallContext context)
        {
            Interlocked.Increment(ref _held);
            await Release.Task;
            await context.Invoke();
        }
    }
}
