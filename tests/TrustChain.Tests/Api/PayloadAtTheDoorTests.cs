using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TrustChain.Tests.Cluster;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Api;

/// <summary>
/// Payloads checked at the door: each topic's JSON Schema (from its typed workers' payload types, announced in the
/// cluster manifest) is shown in <c>/topics</c> and the OpenAPI document, and a body that does not fit it gets 400
/// listing every offending field before anything is dispatched.
/// </summary>
public sealed class PayloadAtTheDoorTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = fixture.Client;

    public static TheoryData<string, string[]> Unfit => new()
    {
        { """{ "customerId": "c", "amount": 9999, "workMs": { "fraud": "slow" } }""", ["$.workMs.fraud type wrong type: an integer expected, got a string that is not one"] },
        { """{ "customerId": "c", "amount": 1e29 }""", ["$.amount range"] },
        { """{ "customerId": "c", "amount": -1e30 }""", ["$.amount range"] },
        { """{ "customerId": "c" }""", ["$.amount required required, missing"] },
        { """{ "amount": 5, "items": [ { "sku": "A-1" }, { "sku": null, "qty": 1.5 } ] }""", ["$.items[0].qty required required, missing", "$.items[1].sku type wrong type: a string expected, got null", "$.items[1].qty type"] },
        { """{ "amount": true, "fail": "fraud" }""", ["$.amount type wrong type: a number expected, got a boolean", "$.fail type wrong type: an array (or null) expected, got a string"] },
        { "null", ["$ type wrong type: an object expected, got null"] },
        { "[]", ["$ type wrong type: an object expected, got an array"] },
    };

    [Theory]
    [MemberData(nameof(Unfit))]
    public async Task A_body_that_does_not_fit_the_topics_schema_answers_400_listing_every_offending_field_and_dispatches_nothing(string order, string[] expected)
    {
        var before = await RecentCountAsync();

        var (response, problem) = await _client.SendAsync(HttpMethod.Post, "/requests/order.placed", order);

        ApiCalls.AssertProblem(HttpStatusCode.BadRequest, response, problem);
        var errors = problem.GetProperty("errors").EnumerateArray()
            .Select(e => $"{e.GetProperty("path").GetString()} {e.GetProperty("kind").GetString()} {e.GetProperty("problem").GetString()}")
            .ToList();
        Assert.Equal(expected.Length, errors.Count);
        foreach (var (error, wanted) in errors.Order(StringComparer.Ordinal).Zip(expected.Order(StringComparer.Ordinal)))
        {
            Assert.StartsWith(wanted, error, StringComparison.Ordinal);
        }

        Assert.Equal(before, await RecentCountAsync());
    }

    [Fact]
    public async Task A_number_out_of_its_types_range_names_the_limit()
    {
        var (_, problem) = await _client.SendAsync(HttpMethod.Post, "/requests/order.placed", """{ "amount": 1e29 }""");

        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Contains("79228162514264337593543950335", error.GetProperty("problem").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Topics_show_each_topics_payload_schema()
    {
        var (_, topics) = await _client.GetJsonAsync("/topics");

        var order = topics.EnumerateArray().Single(t => t.GetProperty("topic").GetString() == "order.placed").GetProperty("schema");
        Assert.Equal(["amount"], order.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("79228162514264337593543950335", order.GetProperty("properties").GetProperty("amount").GetProperty("maximum").GetRawText());
        var reserve = topics.EnumerateArray().Single(t => t.GetProperty("topic").GetString() == "stock.reserve").GetProperty("schema");
        Assert.True(reserve.GetProperty("properties").TryGetProperty("items", out _));
    }

    [Fact]
    public async Task The_OpenAPI_document_has_a_component_schema_per_topic_and_a_dispatch_path_per_topic_whose_body_is_it()
    {
        var (_, document) = await _client.GetJsonAsync("/openapi/v1.json");

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var order = schemas.GetProperty("payload.order.placed");
        Assert.Equal(["amount"], order.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.True(order.GetProperty("properties").GetProperty("items").TryGetProperty("items", out _));
        Assert.True(schemas.TryGetProperty("payload.stock.reserve", out _));

        var post = document.GetProperty("paths").GetProperty("/requests/order.placed").GetProperty("post");
        Assert.Equal("#/components/schemas/payload.order.placed", post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.True(post.GetProperty("responses").TryGetProperty("400", out _));
        Assert.DoesNotContain(post.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "topic");
        Assert.True(document.GetProperty("paths").GetProperty("/requests/{topic}").TryGetProperty("post", out _));
    }

    [Fact]
    public async Task A_topic_served_by_several_typed_workers_needs_a_body_that_fits_every_one_and_a_raw_JSON_worker_adds_no_constraint()
    {
        await using var host = new ApiHost(
            new Dictionary<string, string?> { ["TrustChain:Workers:40"] = TallyWorker.WorkerName, ["TrustChain:Workers:41"] = LabelWorker.WorkerName },
            workers: [new RawMixedWorker()]);
        using var client = await host.StartAsync();

        var (_, topics) = await client.GetJsonAsync("/topics");
        var mixed = topics.EnumerateArray().Single(t => t.GetProperty("topic").GetString() == MixedTopic);
        Assert.Equal([LabelWorker.WorkerName, RawMixedWorker.WorkerName, TallyWorker.WorkerName], mixed.GetProperty("workers").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal(2, mixed.GetProperty("schema").GetProperty("allOf").GetArrayLength());

        var (refused, problem) = await client.SendAsync(HttpMethod.Post, $"/requests/{MixedTopic}", """{ "count": "many" }""");
        ApiCalls.AssertProblem(HttpStatusCode.BadRequest, refused, problem);
        Assert.Equal(
            ["$.count type", "$.label required"],
            problem.GetProperty("errors").EnumerateArray().Select(e => $"{e.GetProperty("path").GetString()} {e.GetProperty("kind").GetString()}").Order(StringComparer.Ordinal));

        var (accepted, outcome) = await client.SendAsync(HttpMethod.Post, $"/requests/{MixedTopic}", """{ "count": 2, "label": "x", "anything": [1, "else"] }""");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("Completed", outcome.GetProperty("status").GetString());
        Assert.Equal(3, outcome.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task A_topic_served_only_by_raw_JSON_workers_takes_any_JSON()
    {
        await ApiHost.WithBlockingProbeAsync(async (client, probe) =>
        {
            var (_, topics) = await client.GetJsonAsync("/topics");
            var schema = topics.EnumerateArray().Single(t => t.GetProperty("topic").GetString() == BlockingProbe.Topic).GetProperty("schema");
            Assert.Empty(schema.EnumerateObject());

            probe.Release.TrySetResult();
            var (response, _) = await client.SendAsync(HttpMethod.Post, $"/requests/{BlockingProbe.Topic}", "[1, \"two\", null]");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });
    }

    [Fact]
    public async Task A_payload_that_bypasses_the_door_is_still_refused_by_every_worker_that_cannot_read_it()
    {
        // A dispatch from code (not through the API) meets no schema: the workers' failed verdicts keep it from
        // being approved.
        var dispatcher = fixture.Host.Services.GetRequiredService<ITrustChainDispatcher>();
        using var order = JsonDocument.Parse("""{ "customerId": "c", "amount": 9999, "workMs": { "fraud": "slow" } }""");

        var outcome = await dispatcher.DispatchAsync("order.placed", order.RootElement.Clone()).Guarded();

        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.NotEmpty(outcome.Verdicts);
        Assert.All(outcome.Verdicts, v => Assert.StartsWith("the payload does not fit OrderPlaced", v.Problem, StringComparison.Ordinal));
        Assert.False(outcome.Combined!.Value.GetProperty("approved").GetBoolean());
    }

    private async Task<int> RecentCountAsync()
    {
        var (_, list) = await _client.GetJsonAsync("/requests?limit=1000");
        return list.GetArrayLength();
    }

    public const string MixedTopic = "mixed.run";

    /// <summary>A raw-JSON worker on <see cref="MixedTopic"/>: any payload will do.</summary>
    private sealed class RawMixedWorker : ITestWorker
    {
        public const string WorkerName = "mixed-raw";

        public string Name => WorkerName;

        public IReadOnlyCollection<string> Topics => [MixedTopic];

        public ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(true);

        public Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context) => Task.FromResult<JsonElement?>(payload);
    }
}

[TrustChainWorker("mixed-raw", PayloadAtTheDoorTests.MixedTopic)]
public sealed class MixedRawGrain : ScriptedWorkerGrain;

/// <summary>A typed worker on <see cref="PayloadAtTheDoorTests.MixedTopic"/> that needs a count.</summary>
[TrustChainWorker(WorkerName, PayloadAtTheDoorTests.MixedTopic)]
public sealed class TallyWorker : Worker<TallyWorker.Tally, int>
{
    public const string WorkerName = "tally";

    public override ValueTask<bool> IsInterestedAsync(Tally payload, IWorkerContext context) => ValueTask.FromResult(true);

    public override Task<int> HandleAsync(Tally payload, IWorkerContext context) => Task.FromResult(payload?.Count ?? 0);

    public sealed record Tally
    {
        public required int Count { get; init; }
    }
}

/// <summary>A typed worker on <see cref="PayloadAtTheDoorTests.MixedTopic"/> that needs a label.</summary>
[TrustChainWorker(WorkerName, PayloadAtTheDoorTests.MixedTopic)]
public sealed class LabelWorker : Worker<LabelWorker.Labelled, string>
{
    public const string WorkerName = "label";

    public override ValueTask<bool> IsInterestedAsync(Labelled payload, IWorkerContext context) => ValueTask.FromResult(true);

    public override Task<string> HandleAsync(Labelled payload, IWorkerContext context) => Task.FromResult(payload?.Label ?? "");

    public sealed record Labelled(string Label);
}
