using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using TrustChain.Tests.Api;

namespace TrustChain.Tests.Redis;

/// <summary>
/// <c>GET /requests/{id}/events</c> on an API node (an Orleans client) while the silo holding the request's grain is
/// killed under the open stream: what an EventSource on the other end sees. The client here reads one response and
/// never reconnects, so a stream that broke, repeated or skipped an event fails the test.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed class EventStreamFailoverTests
{
    /// <summary>What may follow the <c>completed</c> event in a stream: the decision, and acknowledgements already in.</summary>
    private static readonly string[] AfterTheEnd = ["decided", "decisionApplied"];

    [Fact]
    public async Task An_open_event_stream_goes_on_past_the_kill_of_the_silo_holding_the_request_with_every_event_once_in_order_up_to_the_outcome()
    {
        await using var cluster = new ProcessCluster(TestRedis.Address);
        var silos = new[] { await cluster.StartSiloAsync("silo-a"), await cluster.StartSiloAsync("silo-b") };
        var api = await cluster.StartApiAsync("api-1", silos: 2);

        // Only loyalty is interested; it works 6 s, far less than the deadline.
        var id = await api.Http.StartRequestAsync("order.placed", """{"customerId":"c-1","amount":10,"workMs":{"loyalty":6000}}""", 60_000);
        var holder = await ProcessCluster.HolderOfAsync(id, silos);
        using var response = await OpenEventsAsync(api.Http, id);
        using var stream = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = new List<ServerSentEvent>(await stream.UntilAsync("interestClosed"));
        await holder.KillAsync();

        events.AddRange(await stream.ToEndAsync()); // one response to its end: an aborted one throws here

        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => i.ToString(CultureInfo.InvariantCulture)), events.Select(e => e.Id));
        var completed = Assert.Single(events, e => e.Event == "completed");
        Assert.Equal("Completed", completed.Json.GetProperty("outcome").GetProperty("status").GetString());
        Assert.All(events.SkipWhile(e => e.Event != "completed").Skip(1), e => Assert.Contains(e.Event, AfterTheEnd));

        // What was streamed is the request's journal, entry for entry.
        var journal = (await api.Http.ReadRequestAsync(id)).GetProperty("events").EnumerateArray().Select(Entry).ToList();
        Assert.Equal(journal.Take(events.Count), events.Select(e => Entry(e.Json)));

        // The stream did live through the failover: the API lost the grain under it and asked again until the grain
        // answered, resumed from Redis on the other silo.
        await api.Process.WaitForTextAsync($"The event stream of {id} lost its request's grain");
        await api.Process.WaitForTextAsync($"The event stream of {id} reached its request's grain again");
        await silos.Single(s => s != holder).WaitForTextAsync($"Request {id} on order.placed ended Completed");
    }

    [Fact]
    public async Task An_open_event_stream_whose_request_grain_stays_unreachable_ends_cleanly_with_an_unavailable_event_naming_the_last_event_id()
    {
        await using var cluster = new ProcessCluster(TestRedis.Address, new Dictionary<string, string> { ["TrustChain:Api:FailoverWait"] = "00:00:03" });
        var silos = new[] { await cluster.StartSiloAsync("silo-a"), await cluster.StartSiloAsync("silo-b") };
        var api = await cluster.StartApiAsync("api-1", silos: 2);

        var id = await api.Http.StartRequestAsync("order.placed", """{"customerId":"c-1","amount":10,"workMs":{"loyalty":60000}}""", 120_000);
        using var response = await OpenEventsAsync(api.Http, id);
        using var stream = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = new List<ServerSentEvent>(await stream.UntilAsync("interestClosed"));
        await Task.WhenAll(silos.Select(s => s.KillAsync())); // the whole cluster: nothing can answer for the request

        events.AddRange(await stream.ToEndAsync()); // ended by the API, not aborted

        var unavailable = events[^1];
        Assert.Equal("unavailable", unavailable.Event);
        Assert.Null(unavailable.Id); // an EventSource keeps the last journal id and reconnects after it
        Assert.Equal(id, unavailable.Json.GetProperty("requestId").GetString());
        Assert.Equal(long.Parse(events[^2].Id!, CultureInfo.InvariantCulture), unavailable.Json.GetProperty("lastEventId").GetInt64());
        Assert.Equal(Enumerable.Range(1, events.Count - 1).Select(i => i.ToString(CultureInfo.InvariantCulture)), events.SkipLast(1).Select(e => e.Id));
    }

    /// <summary>The stream's response, once its headers came: 200 and the events to read off its body.</summary>
    private static async Task<HttpResponseMessage> OpenEventsAsync(HttpClient http, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/requests/{id}/events", UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(ProcessSafety.Timeout);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private static string Entry(JsonElement e) =>
        $"{e.GetProperty("sequence").GetInt64()}|{e.GetProperty("kind").GetString()}|{e.GetProperty("at").GetString()}";
}
