using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using TrustChain.Api;

namespace TrustChain.Bench;

/// <summary>
/// The order task posted to an API's dispatch endpoint (<c>POST {api}/requests/bench.order</c>, waiting for the
/// outcome), against any base address whose silos host the bench's workers. With <c>keys</c>, call <c>i</c> carries
/// key <c>i mod n</c>: n clients, each with its own in-flight share.
/// </summary>
internal sealed class ApiOrderCall(HttpClient http, Uri api, IReadOnlyList<string>? keys = null)
{
    private static readonly byte[] Body = JsonSerializer.SerializeToUtf8Bytes(BenchTopics.OrderPayload(1));
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly Uri _endpoint = new(api, $"requests/{BenchTopics.Order}");

    public async Task<ApiReply> SendAsync(int i)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(Body) };
        request.Content.Headers.ContentType = Json;
        if (keys is { Count: > 0 })
        {
            request.Headers.Add(ApiKeyMiddleware.HeaderName, keys[i % keys.Count]);
        }

        using var response = await http.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return response.Headers.RetryAfter is null ? new ApiReply(ApiAnswer.Failed, "429 without Retry-After") : new ApiReply(ApiAnswer.Refused);
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new ApiReply(ApiAnswer.Failed, $"{(int)response.StatusCode} {response.StatusCode}");
        }

        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        var status = body.RootElement.GetProperty("status").GetString();
        return status == nameof(RequestStatus.Completed) && body.RootElement.GetProperty("results").GetArrayLength() == BenchTopics.Interested.Length
            ? new ApiReply(ApiAnswer.Served)
            : new ApiReply(ApiAnswer.Wrong, $"ended {status}");
    }
}
