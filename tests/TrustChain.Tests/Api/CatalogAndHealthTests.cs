using System.Net;
using System.Text.Json;

namespace TrustChain.Tests.Api;

/// <summary>The catalog from the cluster manifest, the health checks, and the OpenAPI document.</summary>
public sealed class CatalogAndHealthTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Topics_list_the_workers_subscribed_and_their_live_instances()
    {
        var (response, topics) = await _client.GetJsonAsync("/topics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var byTopic = topics.EnumerateArray().ToDictionary(t => t.GetProperty("topic").GetString()!);
        Assert.Equal(["fraud", "inventory", "loyalty"], byTopic["order.placed"].GetProperty("workers").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal(3, byTopic["order.placed"].GetProperty("instances").GetInt32());
        Assert.Equal(["warehouse-a", "warehouse-b"], byTopic["stock.reserve"].GetProperty("workers").EnumerateArray().Select(w => w.GetString()));
    }

    [Fact]
    public async Task Workers_list_name_topics_instances_and_the_public_key_replies_are_verified_with()
    {
        var (response, workers) = await _client.GetJsonAsync("/workers");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var fraud = workers.EnumerateArray().Single(w => w.GetProperty("name").GetString() == "fraud");
        Assert.Equal(["order.placed"], fraud.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
        Assert.Single(fraud.GetProperty("instances").EnumerateArray());
        var key = Assert.Single(fraud.GetProperty("publicKeys").EnumerateArray()).GetString()!;

        // Base64 of a SubjectPublicKeyInfo, which names its algorithm: Ed25519 for the keys TrustChain generates.
        Assert.True(NSec.Cryptography.PublicKey.TryImport(NSec.Cryptography.SignatureAlgorithm.Ed25519, Convert.FromBase64String(key), NSec.Cryptography.KeyBlobFormat.PkixPublicKey, out _));
    }

    [Fact]
    public async Task Healthz_and_readyz_answer_200_and_the_old_health_path_is_gone()
    {
        var (live, liveBody) = await _client.GetJsonAsync("/healthz");
        var (ready, readyBody) = await _client.GetJsonAsync("/readyz");
        using var old = await _client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", liveBody.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", readyBody.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_every_endpoint_and_the_outcome_schema()
    {
        var (response, document) = await _client.GetJsonAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = document.GetProperty("paths");
        Assert.True(paths.GetProperty("/requests/{topic}").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/requests").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/requests/{id}").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/requests/{id}").TryGetProperty("delete", out _));
        Assert.True(paths.GetProperty("/requests/{id}/events").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));
        foreach (var path in new[] { "/topics", "/workers", "/healthz", "/readyz" })
        {
            Assert.True(paths.GetProperty(path).TryGetProperty("get", out _), path);
        }

        var outcome = document.GetProperty("components").GetProperty("schemas").GetProperty("RequestOutcome").GetProperty("properties");
        foreach (var field in new[] { "requestId", "topic", "status", "results", "verdicts", "combined", "elapsedMs" })
        {
            Assert.True(outcome.TryGetProperty(field, out _), field);
        }
    }
}
