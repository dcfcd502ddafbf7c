using System.Net;
using System.Text;
using System.Text.Json;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Api;

/// <summary>The API as shipped (its own silo, demo workers co-hosted), over HTTP.</summary>
public sealed class ApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private const string DemoOrder = """
        { "orderId": "o-1", "customerId": "c-1", "amount": 1500,
          "items": [ { "sku": "A-1", "qty": 2 }, { "sku": "B-7", "qty": 1 } ] }
        """;

    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Posting_the_demo_order_answers_200_with_the_joined_outcome_in_camelCase_with_statuses_as_strings()
    {
        var (response, body) = await PostAsync("/requests/order.placed", DemoOrder);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(RequestId.TryParse(body.GetProperty("requestId").GetString(), out _));
        Assert.Equal("order.placed", body.GetProperty("topic").GetString());
        Assert.Equal("Completed", body.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Number, body.GetProperty("elapsedMs").ValueKind);
        Assert.False(body.TryGetProperty("Status", out _));

        var results = body.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("worker").GetString()!);
        Assert.Equal(["fraud", "inventory", "loyalty"], results.Keys.Order(StringComparer.Ordinal));
        foreach (var result in results.Values)
        {
            Assert.Equal("Succeeded", result.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Object, result.GetProperty("payload").ValueKind);
            Assert.Equal(JsonValueKind.Array, result.GetProperty("children").ValueKind);
        }

        Assert.Equal(150, results["loyalty"].GetProperty("payload").GetProperty("earned").GetInt64());
        Assert.Equal("medium", results["fraud"].GetProperty("payload").GetProperty("risk").GetString());
        Assert.True(results["inventory"].GetProperty("payload").GetProperty("complete").GetBoolean());

        var reservation = Assert.Single(results["inventory"].GetProperty("children").EnumerateArray().ToList());
        Assert.Equal("stock.reserve", reservation.GetProperty("topic").GetString());
        Assert.Equal("Completed", reservation.GetProperty("status").GetString());
        Assert.Equal(body.GetProperty("requestId").GetString(), reservation.GetProperty("parentRequestId").GetString());
        Assert.Equal(
            ["warehouse-a", "warehouse-b"],
            reservation.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("worker").GetString()).Order(StringComparer.Ordinal));

        var combined = body.GetProperty("combined");
        Assert.True(combined.GetProperty("approved").GetBoolean());
        Assert.Equal(150, combined.GetProperty("points").GetInt64());
    }

    [Fact]
    public async Task An_order_nobody_wants_answers_NoInterest_without_waiting_for_the_interest_window()
    {
        var (response, body) = await PostAsync("/requests/order.placed", """{ "amount": 0 }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("NoInterest", body.GetProperty("status").GetString());
        Assert.Empty(body.GetProperty("results").EnumerateArray());
    }

    [Fact]
    public async Task A_failing_worker_makes_the_answer_Partial_with_that_worker_Failed()
    {
        var order = """
            { "orderId": "o-2", "customerId": "c-1", "amount": 1500,
              "items": [ { "sku": "A-1", "qty": 1 } ], "fail": [ "fraud" ] }
            """;

        var (response, body) = await PostAsync("/requests/order.placed", order);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Partial", body.GetProperty("status").GetString());
        var results = body.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("worker").GetString()!);
        Assert.Equal("Failed", results["fraud"].GetProperty("status").GetString());
        Assert.Contains("fraud was asked to fail", results["fraud"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("Succeeded", results["loyalty"].GetProperty("status").GetString());
        Assert.Equal("Succeeded", results["inventory"].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_deadline_far_shorter_than_the_work_answers_TimedOut()
    {
        // Only loyalty wants this order, and it is asked to work for a minute: the 200 ms deadline comes first.
        var order = """{ "customerId": "c-1", "amount": 10, "workMs": { "loyalty": 60000 } }""";

        var (response, body) = await PostAsync("/requests/order.placed?timeoutMs=200", order);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("TimedOut", body.GetProperty("status").GetString());
        Assert.All(body.GetProperty("results").EnumerateArray(), r => Assert.Equal("TimedOut", r.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Malformed_JSON_answers_400_problem_details()
    {
        var (response, body) = await PostAsync("/requests/order.placed", """{ "amount": """);

        AssertProblem(HttpStatusCode.BadRequest, response, body);
        Assert.Equal("Malformed JSON", body.GetProperty("title").GetString());
    }

    [Fact]
    public async Task An_empty_body_answers_400_problem_details()
    {
        var (response, body) = await PostAsync("/requests/order.placed", "");

        AssertProblem(HttpStatusCode.BadRequest, response, body);
    }

    [Theory]
    [InlineData("Order.Placed")]
    [InlineData("order..placed")]
    [InlineData("order.*")]
    public async Task An_invalid_topic_answers_400_problem_details(string topic)
    {
        var (response, body) = await PostAsync($"/requests/{Uri.EscapeDataString(topic)}", DemoOrder);

        AssertProblem(HttpStatusCode.BadRequest, response, body);
        Assert.Equal("Invalid topic", body.GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_answers_415_problem_details()
    {
        var (response, body) = await PostAsync("/requests/order.placed", "amount=5", "text/plain");

        AssertProblem(HttpStatusCode.UnsupportedMediaType, response, body);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(600_001)]
    public async Task A_timeoutMs_out_of_range_answers_400_problem_details(int timeoutMs)
    {
        var (response, body) = await PostAsync($"/requests/order.placed?timeoutMs={timeoutMs}", DemoOrder);

        AssertProblem(HttpStatusCode.BadRequest, response, body);
        Assert.Equal("Invalid timeoutMs", body.GetProperty("title").GetString());
    }

    private static void AssertProblem(HttpStatusCode expected, HttpResponseMessage response, JsonElement body)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
    }

    private async Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(string path, string body, string contentType = "application/json")
    {
        using var content = new StringContent(body, Encoding.UTF8, contentType);
        var response = await _client.PostAsync(new Uri(path, UriKind.Relative), content).Guarded();
        var text = await response.Content.ReadAsStringAsync().Guarded();
        using var document = JsonDocument.Parse(text);
        return (response, document.RootElement.Clone());
    }
}
