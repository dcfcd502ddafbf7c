using System.Net;
using System.Text.Json;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Api;

/// <summary>Reading requests by id, their list and their event stream, on the API's own silo with the demo workers.</summary>
public sealed class RequestReadingTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private const string DemoOrder = """
        { "orderId": "o-9", "customerId": "c-1", "amount": 1500,
          "items": [ { "sku": "A-1", "qty": 2 } ] }
        """;

    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Prefer_respond_async_answers_202_with_Location_and_the_id_and_the_request_is_then_readable_by_id_with_its_outcome_and_combined_value()
    {
        var (response, body) = await _client.SendAsync(HttpMethod.Post, "/requests/order.placed", DemoOrder, prepare: r => r.Headers.Add("Prefer", "respond-async, wait=5"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("respond-async", Assert.Single(response.Headers.GetValues("Preference-Applied")));
        var id = body.GetProperty("requestId").GetString()!;
        Assert.True(RequestId.TryParse(id, out _));
        Assert.Equal($"/requests/{id}", response.Headers.Location?.OriginalString);

        await _client.EventsToEndAsync(id);
        var (read, view) = await _client.GetJsonAsync($"/requests/{id}");

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(id, view.GetProperty("requestId").GetString());
        Assert.Equal("order.placed", view.GetProperty("topic").GetString());
        Assert.Equal("Completed", view.GetProperty("status").GetString());
        var outcome = view.GetProperty("outcome");
        Assert.Equal("Completed", outcome.GetProperty("status").GetString());
        Assert.True(outcome.GetProperty("combined").GetProperty("approved").GetBoolean());
        var events = view.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal("Dispatched", events[0].GetProperty("kind").GetString());
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "Completed");
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => e.GetProperty("sequence").GetInt32()));
    }

    [Fact]
    public async Task A_running_request_reads_as_Running_with_its_journal_so_far_and_a_null_outcome()
    {
        await ApiHost.WithBlockingProbeAsync(async (client, probe) =>
        {
            var id = await client.StartAsync("probe.run", "{}");
            await probe.Started.Task.Guarded();

            var (response, view) = await client.GetJsonAsync($"/requests/{id}");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("Running", view.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, view.GetProperty("outcome").ValueKind);
            var kinds = view.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
            Assert.Equal(["Dispatched", "Verdict", "InterestClosed"], kinds);
        });
    }

    [Fact]
    public async Task A_running_request_shows_its_verdicts_and_results_so_far_with_their_payloads()
    {
        // fraud answers at once, loyalty works for a minute: the request is running with one result in.
        var id = await _client.StartAsync("order.placed", """{ "customerId": "c-9", "amount": 1500, "workMs": { "loyalty": 60000 } }""");
        var (stream, reader) = await _client.OpenEventsAsync($"/requests/{id}/events");
        using (stream)
        using (reader)
        {
            // Both verdicts in (interest closed) and fraud's result, in whichever order they came.
            var seen = new HashSet<string?>();
            while (!(seen.Contains("interestClosed") && seen.Contains("result")) && await reader.NextAsync() is { } next)
            {
                seen.Add(next.Event);
            }
        }

        var (response, view) = await _client.GetJsonAsync($"/requests/{id}");
        using var cancelled = await _client.DeleteAsync(new Uri($"/requests/{id}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Running", view.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("outcome").ValueKind);
        Assert.Equal(
            ["fraud", "loyalty"],
            view.GetProperty("verdicts").EnumerateArray().Where(v => v.GetProperty("interested").GetBoolean()).Select(v => v.GetProperty("worker").GetString()).Order());
        var results = view.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("worker").GetString()!);
        Assert.Equal("Succeeded", results["fraud"].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Object, results["fraud"].GetProperty("payload").ValueKind);
        Assert.Equal("Pending", results["loyalty"].GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_list_shows_the_clusters_recent_requests_newest_first_with_status_and_timing()
    {
        // Each POST answers once its request is decided, when the list has been told how the request ended.
        var (_, firstOutcome) = await _client.SendAsync(HttpMethod.Post, "/requests/order.placed", DemoOrder);
        var (_, secondOutcome) = await _client.SendAsync(HttpMethod.Post, "/requests/order.placed", """{ "amount": 0 }""");
        var first = firstOutcome.GetProperty("requestId").GetString();
        var second = secondOutcome.GetProperty("requestId").GetString();

        var (response, list) = await _client.GetJsonAsync("/requests?limit=1000");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entries = list.EnumerateArray().ToList();
        var ids = entries.Select(e => e.GetProperty("requestId").GetString()).ToList();
        Assert.True(ids.IndexOf(second) < ids.IndexOf(first) && ids.IndexOf(second) >= 0);
        var summary = entries.Single(e => e.GetProperty("requestId").GetString() == first);
        Assert.Equal("order.placed", summary.GetProperty("topic").GetString());
        Assert.Equal("Completed", summary.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Number, summary.GetProperty("elapsedMs").ValueKind);
        Assert.True(summary.TryGetProperty("dispatchedAt", out _));
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("parentRequestId").ValueKind);
        var nested = entries.Single(e => e.GetProperty("topic").GetString() == "stock.reserve" && e.GetProperty("parentRequestId").GetString() == first);
        Assert.Equal("Completed", nested.GetProperty("status").GetString());
        Assert.Equal("NoInterest", entries.Single(e => e.GetProperty("requestId").GetString() == second).GetProperty("status").GetString());

        var (limited, one) = await _client.GetJsonAsync("/requests?limit=1");
        Assert.Equal(HttpStatusCode.OK, limited.StatusCode);
        Assert.Single(one.EnumerateArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task A_list_limit_out_of_range_answers_400_problem(int limit)
    {
        var (response, body) = await _client.GetJsonAsync($"/requests?limit={limit}");

        ApiCalls.AssertProblem(HttpStatusCode.BadRequest, response, body);
    }

    [Fact]
    public async Task Unknown_ids_answer_404_and_malformed_ids_400_problem_details()
    {
        var ofThisNode = RequestId.New(fixture.Host.NodeId);
        var ofNoSuchNode = RequestId.New("no-such-node");

        foreach (var path in new[] { $"/requests/{ofThisNode}", $"/requests/{ofNoSuchNode}", $"/requests/{ofNoSuchNode}/events" })
        {
            var (response, body) = await _client.GetJsonAsync(path);
            ApiCalls.AssertProblem(HttpStatusCode.NotFound, response, body);
        }

        var (deleted, deleteBody) = await _client.SendAsync(HttpMethod.Delete, $"/requests/{ofThisNode}");
        ApiCalls.AssertProblem(HttpStatusCode.NotFound, deleted, deleteBody);

        foreach (var (method, path) in new[] { (HttpMethod.Get, "/requests/not-an-id"), (HttpMethod.Get, "/requests/Node.123/events"), (HttpMethod.Delete, "/requests/x.y") })
        {
            var (response, body) = await _client.SendAsync(method, path);
            ApiCalls.AssertProblem(HttpStatusCode.BadRequest, response, body);
        }
    }

    [Fact]
    public async Task A_late_event_stream_client_gets_the_whole_journal_replayed_as_SSE_then_the_stream_ends()
    {
        var (posted, outcome) = await _client.SendAsync(HttpMethod.Post, "/requests/order.placed", DemoOrder);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var id = outcome.GetProperty("requestId").GetString()!;

        var (response, reader) = await _client.OpenEventsAsync($"/requests/{id}/events");
        using (response)
        using (reader)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            var events = await reader.ToEndAsync();

            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), events.Select(e => e.Id));
            Assert.Equal("dispatched", events[0].Event);
            Assert.Contains(events, e => e.Event == "verdict");
            Assert.Contains(events, e => e.Event == "childDispatched");
            Assert.Contains(events, e => e.Event == "result");
            var completed = Assert.Single(events, e => e.Event == "completed");
            var data = completed.Json;
            Assert.Equal("Completed", data.GetProperty("kind").GetString());
            Assert.Equal(id, data.GetProperty("requestId").GetString());
            Assert.Equal(completed.Id, data.GetProperty("sequence").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(data.GetProperty("outcome").GetProperty("combined").GetProperty("approved").GetBoolean());
            Assert.All(events, e => Assert.Equal(e.Event, char.ToLowerInvariant(e.Json.GetProperty("kind").GetString()![0]) + e.Json.GetProperty("kind").GetString()![1..]));
        }
    }

    [Fact]
    public async Task The_event_stream_resumes_after_Last_Event_ID_or_after_the_query_parameter()
    {
        var (_, outcome) = await _client.SendAsync(HttpMethod.Post, "/requests/order.placed", DemoOrder);
        var id = outcome.GetProperty("requestId").GetString()!;
        var all = await _client.EventsToEndAsync(id);

        var (byHeader, fromHeader) = await _client.OpenEventsAsync($"/requests/{id}/events?after=1", lastEventId: "2");
        var (byQuery, fromQuery) = await _client.OpenEventsAsync($"/requests/{id}/events?after=1");
        using (byHeader)
        using (fromHeader)
        using (byQuery)
        using (fromQuery)
        {
            Assert.Equal(all.Skip(2).Select(e => e.Id), (await fromHeader.ToEndAsync()).Select(e => e.Id));
            Assert.Equal(all.Skip(1).Select(e => e.Id), (await fromQuery.ToEndAsync()).Select(e => e.Id));
        }
    }

    [Fact]
    public async Task A_live_event_stream_sends_each_event_as_it_happens_and_ends_after_completion()
    {
        await ApiHost.WithBlockingProbeAsync(async (client, probe) =>
        {
            var id = await client.StartAsync("probe.run", "{}");
            await probe.Started.Task.Guarded();
            var (response, reader) = await client.OpenEventsAsync($"/requests/{id}/events");
            using (response)
            using (reader)
            {
                var before = await reader.UntilAsync("interestClosed");
                Assert.Equal(["dispatched", "verdict", "interestClosed"], before.Select(e => e.Event));

                probe.Release.TrySetResult();
                var after = await reader.ToEndAsync();

                Assert.Equal("result", after[0].Event);
                Assert.Equal("4", after[0].Id);
                Assert.Contains(after, e => e.Event == "completed");
            }
        });
    }
}
