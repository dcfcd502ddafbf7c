using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Api;

/// <summary>HTTP calls the API tests make, and what they check on every error.</summary>
public static class ApiCalls
{
    public static async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(this HttpClient client, HttpMethod method, string path, string? body = null, string contentType = "application/json", Action<HttpRequestMessage>? prepare = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType);
        }

        prepare?.Invoke(request);
        var response = await client.SendAsync(request).Guarded();
        var text = await response.Content.ReadAsStringAsync().Guarded();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static Task<(HttpResponseMessage Response, JsonElement Body)> GetJsonAsync(this HttpClient client, string path) =>
        client.SendAsync(HttpMethod.Get, path);

    /// <summary>Dispatches with <c>Prefer: respond-async</c> and returns the request id from the 202.</summary>
    public static async Task<string> StartAsync(this HttpClient client, string topic, string body)
    {
        var (response, json) = await client.SendAsync(HttpMethod.Post, $"/requests/{topic}", body, prepare: r => r.Headers.Add("Prefer", "respond-async"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return json.GetProperty("requestId").GetString()!;
    }

    /// <summary>Opens the request's event stream as a real stream: headers first, then events as the server writes them.</summary>
    public static async Task<(HttpResponseMessage Response, SseReader Events)> OpenEventsAsync(this HttpClient client, string path, string? lastEventId = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).Guarded();
        return (response, new SseReader(await response.Content.ReadAsStreamAsync().Guarded()));
    }

    /// <summary>Reads the event stream to its end, which comes once the request has ended.</summary>
    public static async Task<IReadOnlyList<ServerSentEvent>> EventsToEndAsync(this HttpClient client, string requestId)
    {
        var (response, events) = await client.OpenEventsAsync($"/requests/{requestId}/events");
        using (response)
        using (events)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await events.ToEndAsync();
        }
    }

    public static void AssertProblem(HttpStatusCode expected, HttpResponseMessage response, JsonElement body)
    {
        ArgumentNullException.ThrowIfNull(response);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
    }
}
