using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace TrustChain.Tests.Api;

/// <summary>
/// Fail closed (issue: silence, unreadable payloads and leaks): a payload the workers cannot read is never approved
/// (refused at the door: <see cref="PayloadAtTheDoorTests"/>), invalid UTF-8 is refused at the door, errors show no
/// internals, and probes without a key learn only the status.
/// </summary>
public sealed class FailClosedTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private const string Key = "k3y-0123456789abcdef";

    private readonly HttpClient _client = fixture.Client;

    // An order the workers cannot read ("slow" milliseconds, 1e29 as a decimal) is now refused at the door (400,
    // PayloadAtTheDoorTests); dispatched past it, from code, every worker's verdict still refuses it.

    [Theory]
    [InlineData(new byte[] { 0xff })]
    [InlineData(new byte[] { 0xc3, 0x28 })]
    [InlineData(new byte[] { 0xed, 0xa0, 0x80 })]
    public async Task A_body_with_invalid_UTF8_inside_a_string_answers_400_and_dispatches_nothing(byte[] invalid)
    {
        var before = await RecentCountAsync();
        byte[] body = [.. "{ \"customerId\": \""u8, .. invalid, .. "\", \"amount\": 9999 }"u8];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await _client.PostAsync(new Uri("/requests/order.placed", UriKind.Relative), content);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        ApiCalls.AssertProblem(HttpStatusCode.BadRequest, response, problem);
        Assert.Equal("The body is not valid UTF-8.", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await RecentCountAsync());
    }

    [Fact]
    public async Task A_malformed_body_answers_400_naming_the_problem_without_the_parsers_internals()
    {
        var (response, body) = await _client.SendAsync(HttpMethod.Post, "/requests/order.placed", """{ "amount": 12, """);

        ApiCalls.AssertProblem(HttpStatusCode.BadRequest, response, body);
        var detail = body.GetProperty("detail").GetString();
        Assert.Equal("The body is not valid JSON.", detail);
    }

    [Fact]
    public async Task A_failing_workers_error_carries_its_message_and_never_the_exception_type()
    {
        var (response, body) = await _client.SendAsync(HttpMethod.Post, "/requests/order.placed", """{ "customerId": "c", "amount": 10, "fail": ["loyalty"] }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var loyalty = body.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("worker").GetString() == "loyalty");
        Assert.Equal("Failed", loyalty.GetProperty("status").GetString());
        Assert.Equal("loyalty was asked to fail", loyalty.GetProperty("error").GetString());
    }

    [Fact]
    public async Task With_keys_set_the_probes_answer_a_caller_without_a_key_with_the_status_alone()
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { ["TrustChain:Api:Keys:0"] = Key });
        using var client = await host.StartAsync();

        foreach (var path in new[] { "/readyz", "/healthz" })
        {
            var (response, body) = await client.GetJsonAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["status"], body.EnumerateObject().Select(p => p.Name));
        }

        var (keyed, detailed) = await client.SendAsync(HttpMethod.Get, "/readyz", prepare: r => r.Headers.Add("X-Api-Key", Key));
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
        Assert.True(detailed.TryGetProperty("checks", out _));
    }

    [Fact]
    public async Task A_burst_of_orders_beyond_the_workers_concurrency_is_never_approved_without_the_fraud_check()
    {
        // Four times the fraud worker's concurrency at once, each slow to check: verdicts that wait behind the work
        // miss the window. Their silence must not pass for "not interested": no such order may be approved.
        await using var host = new ApiHost(new Dictionary<string, string?>
        {
            ["TrustChain:WorkerConcurrency"] = "4",
            ["TrustChain:InterestWindow"] = "00:00:00.500",
        });
        using var client = await host.StartAsync();
        const string order = """{ "orderId": "b", "customerId": "c", "amount": 6000, "items": [], "workMs": { "fraud": 1000 } }""";

        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => client.SendAsync(HttpMethod.Post, "/requests/order.placed", order)));

        foreach (var (response, body) in answers)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(body.GetProperty("combined").GetProperty("approved").GetBoolean());
            var fraudAnswered = body.GetProperty("verdicts").EnumerateArray().Any(v => v.GetProperty("worker").GetString() == "fraud");
            var fraudSilent = body.TryGetProperty("silent", out var silent) && silent.EnumerateArray().Any(w => w.GetString() == "fraud");
            Assert.True(fraudAnswered || fraudSilent, "fraud neither answered nor is listed as silent");
            if (!fraudAnswered)
            {
                Assert.Equal("Partial", body.GetProperty("status").GetString());
            }
        }
    }

    private async Task<int> RecentCountAsync()
    {
        var (_, list) = await _client.GetJsonAsync("/requests?limit=1000");
        return list.GetArrayLength();
    }
}
