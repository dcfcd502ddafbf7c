using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using TrustChain.Tests.Api;

namespace TrustChain.Tests.Redis;

/// <summary>HTTP calls to an API process, with the process tests' longer safety timeout.</summary>
public static class ProcessCalls
{
    public static async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(this HttpClient http, HttpMethod method, string path, string? body = null, bool respondAsync = false)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (respondAsync)
        {
            request.Headers.Add("Prefer", "respond-async");
        }

        using var response = await http.SendAsync(request).WaitAsync(ProcessSafety.Timeout);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Dispatches without waiting (<c>Prefer: respond-async</c>) and returns the request's id.</summary>
    public static async Task<string> StartRequestAsync(this HttpClient http, string topic, string body, int timeoutMs)
    {
        var (status, json) = await http.CallAsync(HttpMethod.Post, $"/requests/{topic}?timeoutMs={timeoutMs}", body, respondAsync: true);
        Assert.True(status == HttpStatusCode.Accepted, $"POST answered {(int)status}: {json}");
        return json.GetProperty("requestId").GetString()!;
    }

    /// <summary>
    /// The request's journal as Server-Sent Events until an event named <paramref name="until"/> (null: to the end of
    /// the stream once the request ended). A stream the API ends early (the request's grain did not answer while its
    /// silo failed over) is opened again after the last event seen (<c>Last-Event-ID</c>), as a browser does; an
    /// answer other than 200 while the grain moves is retried after a short pause, at most 100 times.
    /// </summary>
    public static async Task<IReadOnlyList<ServerSentEvent>> FollowAsync(this HttpClient http, string requestId, string? until = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var events = new List<ServerSentEvent>();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/requests/{requestId}/events", UriKind.Relative));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (events.Count > 0)
            {
                request.Headers.Add("Last-Event-ID", events[^1].Id);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(ProcessSafety.Timeout);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Assert.True(response.StatusCode is HttpStatusCode.GatewayTimeout or HttpStatusCode.ServiceUnavailable or HttpStatusCode.InternalServerError,
                    $"GET events of {requestId} answered {(int)response.StatusCode}");
                await Task.Delay(TimeSpan.FromMilliseconds(250));
                continue;
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var ended = false;
            try
            {
                while (await NextAsync(reader) is { } next)
                {
                    events.Add(next);
                    if (until is not null && next.Event == until)
                    {
                        return events;
                    }

                    ended |= next.Event == "completed";
                }
            }
            catch (IOException)
            {
                // The stream broke mid-way (the API lost the grain's silo under it): reconnect with Last-Event-ID, as
                // an EventSource does, and miss nothing.
                continue;
            }

            if (ended && until is null)
            {
                return events;
            }
        }

        throw new InvalidOperationException($"The events of {requestId} never reached {until ?? "their end"}; seen: {string.Join(", ", events.Select(e => e.Event))}.");
    }

    /// <summary>The request as <c>GET /requests/{id}</c> answers it.</summary>
    public static async Task<JsonElement> ReadRequestAsync(this HttpClient http, string requestId)
    {
        var (status, json) = await http.CallAsync(HttpMethod.Get, $"/requests/{requestId}");
        Assert.True(status == HttpStatusCode.OK, $"GET /requests/{requestId} answered {(int)status}: {json}");
        return json;
    }

    private static async Task<ServerSentEvent?> NextAsync(StreamReader reader)
    {
        string? id = null, name = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync().WaitAsync(ProcessSafety.Timeout) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    return new ServerSentEvent(id, name, string.Join('\n', data));
                }

                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon == 0)
            {
                continue;
            }

            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data.Add(value); break;
            }
        }

        return null;
    }
}
