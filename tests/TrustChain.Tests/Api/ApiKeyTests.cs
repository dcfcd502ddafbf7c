using System.Net;
using Microsoft.Extensions.Options;

namespace TrustChain.Tests.Api;

/// <summary>API keys: when configured, every endpoint but the health checks needs one.</summary>
public sealed class ApiKeyTests
{
    private const string Key = "k3y-0123456789abcdef";

    [Fact]
    public async Task With_keys_configured_calls_without_a_valid_X_Api_Key_get_401_problem_and_health_checks_stay_open()
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { ["TrustChain:Api:Keys:0"] = "another-key-of-16-chars", ["TrustChain:Api:Keys:1"] = Key });
        using var client = await host.StartAsync();

        foreach (var path in new[] { "/requests", "/topics", "/workers", "/openapi/v1.json" })
        {
            var (missing, problem) = await client.GetJsonAsync(path);
            ApiCalls.AssertProblem(HttpStatusCode.Unauthorized, missing, problem);
            var (wrong, wrongProblem) = await client.SendAsync(HttpMethod.Get, path, prepare: r => r.Headers.Add("X-Api-Key", Key[..^1] + "X"));
            ApiCalls.AssertProblem(HttpStatusCode.Unauthorized, wrong, wrongProblem);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            request.Headers.Add("X-Api-Key", Key);
            using var right = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        }

        var (post, postProblem) = await client.SendAsync(HttpMethod.Post, "/requests/order.placed", """{ "amount": 0 }""");
        ApiCalls.AssertProblem(HttpStatusCode.Unauthorized, post, postProblem);
        var (keyed, _) = await client.SendAsync(HttpMethod.Post, "/requests/order.placed", """{ "amount": 0 }""", prepare: r => r.Headers.Add("X-Api-Key", Key));
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await client.GetJsonAsync("/healthz")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetJsonAsync("/readyz")).Response.StatusCode);
    }

    [Fact]
    public void A_configured_key_shorter_than_16_characters_stops_the_start_without_showing_the_key()
    {
        using var host = new ApiHost(new Dictionary<string, string?> { ["TrustChain:Api:Keys:0"] = "short-secret" });

        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());

        var validation = Assert.IsType<OptionsValidationException>(error is AggregateException aggregate ? aggregate.InnerException : error);
        Assert.Contains("TrustChain:Api:Keys:0", validation.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("short-secret", validation.Message, StringComparison.Ordinal);
    }
}
