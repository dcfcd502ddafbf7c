using System.Net;
using System.Text;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Api;

/// <summary>The API under bad input and load: size limit, in-flight cap, parameters that do not parse.</summary>
public sealed class ApiLimitTests
{
    [Fact]
    public async Task A_body_over_MaxBodyBytes_answers_413_problem_whether_or_not_it_declares_its_length()
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { ["TrustChain:Api:MaxBodyBytes"] = "64" });
        using var client = await host.StartAsync();
        var big = $$"""{ "amount": 0, "note": "{{new string('x', 100)}}" }""";

        var (declared, problem) = await client.SendAsync(HttpMethod.Post, "/requests/order.placed", big);
        ApiCalls.AssertProblem(HttpStatusCode.RequestEntityTooLarge, declared, problem);

        // Chunked: no Content-Length, the limit is found while reading.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/requests/order.placed", UriKind.Relative))
        {
            Content = new StreamContent(new UnseekableStream(Encoding.UTF8.GetBytes(big))),
        };
        request.Content.Headers.ContentType = new("application/json");
        using var chunked = await client.SendAsync(request).Guarded();
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Equal("application/problem+json", chunked.Content.Headers.ContentType?.MediaType);

        var (small, _) = await client.SendAsync(HttpMethod.Post, "/requests/order.placed", """{ "amount": 0 }""");
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Fact]
    public async Task Past_MaxInFlight_a_dispatch_answers_429_with_Retry_After_before_its_body_is_read_and_the_request_already_accepted_runs_on()
    {
        await ApiHost.WithBlockingProbeAsync(async (client, probe) =>
        {
            var first = await client.StartAsync("probe.run", "{}");
            await probe.Started.Task.Guarded();

            // Not JSON: read, it would be a 400 (ApiTests.Malformed_JSON_answers_400_problem_details); refused at the
            // door, it is never read, so that refusing under overload costs little.
            var (refused, problem) = await client.SendAsync(HttpMethod.Post, "/requests/probe.run", "{ not json");

            ApiCalls.AssertProblem(HttpStatusCode.TooManyRequests, refused, problem);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            probe.Release.TrySetResult();
            var events = await client.EventsToEndAsync(first);
            Assert.Equal("Completed", events.Single(e => e.Event == "completed").Json.GetProperty("outcome").GetProperty("status").GetString());
        }, new Dictionary<string, string?> { ["TrustChain:Api:MaxInFlight"] = "1" });
    }

    [Fact]
    public async Task Each_request_gives_its_in_flight_slot_back_when_it_ends_so_requests_one_after_another_never_hit_the_cap()
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { ["TrustChain:Api:MaxInFlight"] = "1" });
        using var client = await host.StartAsync();

        for (var i = 0; i < 3; i++)
        {
            var (response, _) = await client.SendAsync(HttpMethod.Post, "/requests/order.placed", """{ "amount": 0 }""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_timeoutMs_that_is_not_a_number_answers_400_problem()
    {
        await using var host = new ApiHost();
        using var client = await host.StartAsync();

        var (response, problem) = await client.SendAsync(HttpMethod.Post, "/requests/order.placed?timeoutMs=soon", """{ "amount": 0 }""");

        ApiCalls.AssertProblem(HttpStatusCode.BadRequest, response, problem);
    }

    /// <summary>A body whose length the client cannot know in advance, so it goes chunked.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
