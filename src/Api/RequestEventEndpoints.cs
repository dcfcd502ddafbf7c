using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;

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

    private static async Task<IResult> StreamAsync(string id, HttpContext context, IGrainFactory grains, IOptions<TrustChainOptions> options, long? after = null)
    {
        var seen = LastEventId(context.Request) ?? after ?? 0;
        if (seen < 0)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid after", "after must not be negative.");
        }

        var (requestId, page, problem) = await RequestQueryEndpoints.AskGrainAsync(id, grains, g => g.EventsAfterAsync(seen, TimeSpan.Zero)).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (page is null)
        {
            return ApiProblems.UnknownRequest(requestId);
        }

        context.Response.Headers["X-Accel-Buffering"] = "no"; // proxies must not hold the stream back
        var grain = grains.GetGrain<IRequestGrain>(requestId.Value);
        return TypedResults.ServerSentEvents(Follow(grain, page, seen, options.Value.WatchPollWait, context.RequestAborted));
    }

    /// <summary>The replay, then each page as the grain records it; each wait is shorter than Orleans' response timeout.</summary>
    private static async IAsyncEnumerable<SseItem<RequestEvent>> Follow(IRequestGrain grain, RequestEventsPage page, long seen, TimeSpan wait, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            foreach (var entry in page.Events)
            {
                yield return new SseItem<RequestEvent>(entry, EventName(entry.Kind)) { EventId = entry.Sequence.ToString(CultureInfo.InvariantCulture) };
                seen = entry.Sequence;
            }

            if (page.Ended)
            {
                yield break;
            }

            // Null: forgotten at the end of its retention, or its grain went silent (the client reconnects with
            // Last-Event-ID and misses nothing).
            var next = await NextAsync(grain, seen, wait, cancellationToken).ConfigureAwait(false);
            if (next is null)
            {
                yield break;
            }

            page = next;
        }
    }

    private static async Task<RequestEventsPage?> NextAsync(IRequestGrain grain, long seen, TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            // Retried for a while when its silo fails over: the grain resumes from storage on another silo.
            return await TransientFailures.RetryAsync(() => grain.EventsAfterAsync(seen, wait), FailoverWait, cancellationToken: cancellationToken)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (TransientFailures.IsTransient(ex))
        {
            return null;
        }
    }

    /// <summary>The SSE event name of a journal entry: its kind in camelCase (<c>childDispatched</c>).</summary>
    private static readonly TimeSpan FailoverWait = TimeSpan.FromSeconds(30);

    public static string EventName(RequestEventKind kind) => JsonNamingPolicy.CamelCase.ConvertName(kind.ToString());

    private static long? LastEventId(HttpRequest request) =>
        long.TryParse(request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
}
