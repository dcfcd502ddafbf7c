using System.Net;
using Microsoft.Extensions.Time.Testing;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Api;

/// <summary>Cancelling requests over HTTP, and requests outliving the HTTP call that started them.</summary>
public sealed class RequestControlTests
{
    [Fact]
    public async Task DELETE_cancels_a_running_request_and_its_worker_and_a_second_DELETE_answers_409()
    {
        await ApiHost.WithBlockingProbeAsync(async (client, probe) =>
        {
            var id = await client.StartAsync("probe.run", "{}");
            await probe.Started.Task.Guarded();

            var (deleted, _) = await client.SendAsync(HttpMethod.Delete, $"/requests/{id}");

            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            await probe.Cancelled.Task.Guarded(); // the cancellation reached the worker
            var (_, view) = await client.GetJsonAsync($"/requests/{id}");
            Assert.Equal("Cancelled", view.GetProperty("status").GetString());
            Assert.Equal("Cancelled", view.GetProperty("outcome").GetProperty("status").GetString());

            var (again, problem) = await client.SendAsync(HttpMethod.Delete, $"/requests/{id}");
            ApiCalls.AssertProblem(HttpStatusCode.Conflict, again, problem);
        });
    }

    [Fact]
    public async Task A_client_that_disconnects_from_a_waiting_POST_loses_nothing_the_request_runs_on_and_stays_readable_by_id()
    {
        await ApiHost.WithBlockingProbeAsync(async (client, probe) =>
        {
            using var hangUp = new CancellationTokenSource();
            using var content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            var waiting = client.PostAsync(new Uri("/requests/probe.run", UriKind.Relative), content, hangUp.Token);
            await probe.Started.Task.Guarded();

            await hangUp.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Guarded());

            var (_, list) = await client.GetJsonAsync("/requests");
            var id = list.EnumerateArray().Single(r => r.GetProperty("topic").GetString() == "probe.run").GetProperty("requestId").GetString()!;
            probe.Release.TrySetResult();
            var events = await client.EventsToEndAsync(id);

            Assert.Equal("Completed", events.Single(e => e.Event == "completed").Json.GetProperty("outcome").GetProperty("status").GetString());
            var (read, view) = await client.GetJsonAsync($"/requests/{id}");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal("Succeeded", view.GetProperty("outcome").GetProperty("results")[0].GetProperty("status").GetString());
        });
    }

    [Fact]
    public async Task An_ended_request_stays_readable_by_id_until_its_retention_ends_then_answers_404()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new ApiHost(new Dictionary<string, string?> { ["TrustChain:Retention"] = "00:01:00" }, clock);
        using var client = await host.StartAsync();
        const string NobodyWants = """{ "amount": 0 }""";

        var (_, outcome) = await client.SendAsync(HttpMethod.Post, "/requests/order.placed", NobodyWants);
        var id = outcome.GetProperty("requestId").GetString()!;
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(HttpStatusCode.OK, (await client.GetJsonAsync($"/requests/{id}")).Response.StatusCode);

        // The request's grain timer comes due: its tick is queued on the grain before the calls below.
        clock.Advance(TimeSpan.FromSeconds(2));

        var (gone, problem) = await client.GetJsonAsync($"/requests/{id}");
        ApiCalls.AssertProblem(HttpStatusCode.NotFound, gone, problem);
        var (deleted, deleteProblem) = await client.SendAsync(HttpMethod.Delete, $"/requests/{id}");
        ApiCalls.AssertProblem(HttpStatusCode.NotFound, deleted, deleteProblem);
        var (_, list) = await client.GetJsonAsync("/requests");
        Assert.DoesNotContain(list.EnumerateArray(), r => r.GetProperty("requestId").GetString() == id);
    }
}
