using System.Globalization;
using System.Text;
using System.Text.Json;
using TrustChain.Messages;
using TrustChain.Runtime;
using TrustChain.Serialization;

namespace TrustChain.Api;

/// <summary>
/// <c>GET /requests/{id}/events</c>: the request's journal as Server-Sent Events. Each event is sent as
/// <c>id: {sequence}</c>, <c>event: {kind in camelCase}</c>, <c>data: {the RequestEvent as JSON}</c>. What already
/// happened comes first (after <c>Last-Event-ID</c>, else <c>?after=</c>, else from the start), then each event as it
/// is recorded. The stream ends once the request has ended: after the <c>completed</c> event and whatever followed it
/// by then (usually the <c>decided</c> event); acknowledgements of the decision that come later are read with
/// <c>GET /requests/{id}</c> or by reconnecting with <c>Last-Event-ID</c>.
/// </summary>
public static class RequestEventEndpoints
{
    public const string ContentType = "text/event-stream";

    public static IEndpointRouteBuilder MapTrustChainRequestEvents(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/requests/{id}/events", StreamAsync)
            .WithName("RequestEvents")
            .WithSummary("The request's journal as Server-Sent Events: replay first, then live, ending once the request ended.")
            .Produces<RequestEvent>(StatusCodes.Status200OK, ContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        return endpoints;
    }

    private static async Task StreamAsync(string id, HttpContext context, RequestDirectory directory, long? after = null)
    {
        var aborted = context.RequestAborted;
        var seen = LastEventId(context.Request) ?? after ?? 0;
        if (seen < 0)
        {
            await ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid after", "after must not be negative.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var (requestId, reply, problem) = await RequestQueryEndpoints.AskOwnerAsync(id, rid => directory.EventsAfterAsync(rid, seen, TimeSpan.Zero, aborted)).ConfigureAwait(false);
        if (problem is not null || reply is not { Answer: RequestQueryAnswer.Found })
        {
            await (problem ?? ApiProblems.UnknownRequest(requestId)).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = ContentType;
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no"; // proxies must not hold the stream back
        await context.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
        try
        {
            while (true)
            {
                foreach (var entry in reply.Events ?? [])
                {
                    await WriteAsync(context.Response, entry, aborted).ConfigureAwait(false);
                    seen = entry.Sequence;
                }

                if (reply.Ended)
                {
                    return;
                }

                if (reply.Events is not { Count: > 0 })
                {
                    // A comment keeps idle connections (and proxies) from timing the stream out.
                    await context.Response.WriteAsync(": waiting\n\n", aborted).ConfigureAwait(false);
                }

                await context.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
                reply = await directory.EventsAfterAsync(requestId, seen, directory.WatchPollWait, aborted).ConfigureAwait(false);
                if (reply.Answer != RequestQueryAnswer.Found)
                {
                    return; // forgotten at the end of its retention
                }
            }
        }
        catch (RequestQueryTimeoutException)
        {
            // The owner went silent mid-stream: end it; the client reconnects with Last-Event-ID and misses nothing.
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    /// <summary>One event in the SSE format. The JSON is on one line, so it needs a single <c>data:</c> field.</summary>
    public static async Task WriteAsync(HttpResponse response, RequestEvent entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(entry);
        var text = new StringBuilder()
            .Append("id: ").Append(entry.Sequence.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("event: ").Append(EventName(entry.Kind)).Append('\n')
            .Append("data: ").Append(JsonSerializer.Serialize(entry, TrustChainJson.Options)).Append("\n\n")
            .ToString();
        await response.WriteAsync(text, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The SSE event name of a journal entry: its kind in camelCase (<c>childDispatched</c>).</summary>
    public static string EventName(RequestEventKind kind) => JsonNamingPolicy.CamelCase.ConvertName(kind.ToString());

    private static long? LastEventId(HttpRequest request) =>
        long.TryParse(request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
}
