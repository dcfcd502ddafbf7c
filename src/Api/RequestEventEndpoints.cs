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
/// <remarks>
/// When the silo holding the request's grain dies under an open stream, the stream stays open: the API asks the grain
/// again (the rules of <see cref="TransientFailures"/>) until it answers from the silo it resumed on, and goes on after
/// the last event it sent, so the client sees every event once, in order. If the grain does not answer within
/// <see cref="TrustChainApiOptions.FailoverWait"/>, or asking fails otherwise, the stream ends properly with an
/// <c>unavailable</c> event (<see cref="EventStreamUnavailable"/>), never with a broken response: an EventSource then
/// reconnects with <c>Last-Event-ID</c> by itself.
/// </remarks>
public static partial class RequestEventEndpoints
{
    public const string ContentType = "text/event-stream";

    /// <summary>The name of the event that ends a stream the API gave up on.</summary>
    public const string UnavailableEvent = "unavailable";

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

    private static async Task<IResult> StreamAsync(
        string id, HttpContext context, IGrainFactory grains, IOptions<TrustChainOptions> options, IOptions<TrustChainApiOptions> api, ILoggerFactory loggers, long? after = null)
    {
        var seen = LastEventId(context.Request) ?? after ?? 0;
        if (seen < 0)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid after", "after must not be negative.");
        }

        // Asked again while the grain fails over: an EventSource reconnecting then must not get a 504, which closes it.
        var (requestId, page, problem) = await RequestQueryEndpoints.AskGrainAsync(id, grains, g => g.EventsAfterAsync(seen, TimeSpan.Zero), api.Value.FailoverWait, context.RequestAborted).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (page is null)
        {
            return ApiProblems.UnknownRequest(requestId);
        }

        context.Response.Headers["X-Accel-Buffering"] = "no"; // proxies must not hold the stream back
        var follower = new Follower(
            grains.GetGrain<IRequestGrain>(requestId.Value), requestId, options.Value.WatchPollWait, api.Value.FailoverWait,
            loggers.CreateLogger(typeof(RequestEventEndpoints).FullName!));
        return TypedResults.ServerSentEvents(follower.FollowAsync(page, seen, context.RequestAborted));
    }

    /// <summary>The SSE event name of a journal entry: its kind in camelCase (<c>childDispatched</c>).</summary>
    public static string EventName(RequestEventKind kind) => JsonNamingPolicy.CamelCase.ConvertName(kind.ToString());

    private static long? LastEventId(HttpRequest request) =>
        long.TryParse(request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>One open stream: its request's grain, asked again and again for what came after the last event sent.</summary>
    private sealed class Follower(IRequestGrain grain, RequestId requestId, TimeSpan wait, TimeSpan failoverWait, ILogger logger)
    {
        /// <summary>The replay, then each page as the grain records it; each wait is shorter than Orleans' response timeout.</summary>
        public async IAsyncEnumerable<SseItem<object>> FollowAsync(RequestEventsPage page, long seen, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            while (true)
            {
                foreach (var entry in page.Events)
                {
                    yield return new SseItem<object>(entry, EventName(entry.Kind)) { EventId = entry.Sequence.ToString(CultureInfo.InvariantCulture) };
                    seen = entry.Sequence;
                }

                if (page.Ended)
                {
                    yield break;
                }

                var (next, failure) = await NextAsync(seen, cancellationToken).ConfigureAwait(false);
                if (failure is not null)
                {
                    yield return new SseItem<object>(new EventStreamUnavailable(requestId, seen, failure), UnavailableEvent);
                    yield break;
                }

                if (next is null)
                {
                    yield break; // no longer known: forgotten at the end of its retention (a GET now answers 404)
                }

                page = next;
            }
        }

        /// <summary>The next page, or why there is none; a client that hung up ends the wait (and the stream) at once.</summary>
        private async Task<(RequestEventsPage? Page, string? Failure)> NextAsync(long seen, CancellationToken cancellationToken)
        {
            var retries = 0;
            try
            {
                var page = await TransientFailures.RetryAsync(
                    () => grain.EventsAfterAsync(seen, wait),
                    failoverWait,
                    (ex, attempt) =>
                    {
                        retries = attempt;
                        if (attempt == 1)
                        {
                            LogGrainLost(logger, ex, requestId, seen, failoverWait);
                        }
                    },
                    cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
                if (retries > 0)
                {
                    LogGrainBack(logger, requestId, retries);
                }

                return (page, null);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                // Ended properly rather than broken: an EventSource reconnects after a proper end, with Last-Event-ID.
                if (TransientFailures.IsTransient(ex))
                {
                    LogGaveUp(logger, ex, requestId, failoverWait);
                    return (null, $"The grain of request {requestId} did not answer for {failoverWait.TotalSeconds:0.#} s (its silo may be failing over); reconnect with Last-Event-ID.");
                }

                LogFailed(logger, ex, requestId);
                return (null, $"Reading the events of request {requestId} failed; reconnect with Last-Event-ID.");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The event stream of {RequestId} lost its request's grain after event {LastEventId} (its silo may be failing over); asking again for up to {FailoverWait}")]
    private static partial void LogGrainLost(ILogger logger, Exception exception, RequestId requestId, long lastEventId, TimeSpan failoverWait);

    [LoggerMessage(Level = LogLevel.Information, Message = "The event stream of {RequestId} reached its request's grain again after {Retries} failed attempt(s); it goes on")]
    private static partial void LogGrainBack(ILogger logger, RequestId requestId, int retries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The event stream of {RequestId} gave up: its request's grain did not answer within {FailoverWait}; the stream ends with an unavailable event")]
    private static partial void LogGaveUp(ILogger logger, Exception exception, RequestId requestId, TimeSpan failoverWait);

    [LoggerMessage(Level = LogLevel.Error, Message = "The event stream of {RequestId} failed; the stream ends with an unavailable event")]
    private static partial void LogFailed(ILogger logger, Exception exception, RequestId requestId);
}
