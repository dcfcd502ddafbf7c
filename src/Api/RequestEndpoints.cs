using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace TrustChain.Api;

/// <summary>The request endpoints: dispatch a task per HTTP call and answer with its joined outcome, or at once with its id.</summary>
public static class RequestEndpoints
{
    public const string RespondAsync = "respond-async";

    public static IEndpointRouteBuilder MapTrustChainRequests(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/requests/{topic}", DispatchAsync)
            .WithName("Dispatch")
            .WithSummary("Dispatches a task on a topic and waits for the joined outcome; with 'Prefer: respond-async' answers 202 at once.")
            .Accepts<JsonElement>("application/json")
            .Produces<RequestOutcome>()
            .Produces<AcceptedRequest>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return endpoints;
    }

    /// <remarks>
    /// The request is not tied to the HTTP connection: a client that goes away does not cancel it, it runs to its
    /// own deadline and stays readable under its id. Cancellation is an explicit act (DELETE), not a side effect of
    /// a dropped socket.
    /// </remarks>
    private static async Task<Results<Ok<RequestOutcome>, Accepted<AcceptedRequest>, ProblemHttpResult>> DispatchAsync(
        string topic,
        HttpRequest request,
        ITrustChainDispatcher dispatcher,
        InFlightLimit inFlight,
        PayloadValidator validator,
        IOptions<TrustChainOptions> options,
        IOptions<TrustChainApiOptions> apiOptions,
        int? timeoutMs = null)
    {
        if (!Topics.IsValid(topic))
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid topic", $"'{topic}' is not a valid topic: {Topics.Rule}.");
        }

        var maxMs = (long)options.Value.MaxTimeout.TotalMilliseconds;
        if (timeoutMs is { } ms && (ms <= 0 || ms > maxMs))
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid timeoutMs", $"timeoutMs must be between 1 and {maxMs}.");
        }

        if (!request.HasJsonContentType())
        {
            return ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type", "Send the task payload as application/json.");
        }

        // Under overload most calls end here, before their body is read and parsed: a refusal must cost little next to
        // what serving costs, or refusing would eat the capacity that serves the requests already accepted.
        var client = ApiKeyMiddleware.ClientOf(request.HttpContext);
        if (inFlight.Peek(client) is var full and not InFlightRefusal.None)
        {
            return Refuse(request, inFlight, apiOptions.Value, full);
        }

        var maxBytes = apiOptions.Value.MaxBodyBytes;
        var body = await ReadBodyAsync(request, maxBytes).ConfigureAwait(false);
        if (body is null)
        {
            return ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The task payload must be at most {maxBytes} bytes.");
        }

        // The parser checks UTF-8 only where it reads; bytes that are not UTF-8 inside a string would pass, so the
        // whole body is checked first.
        if (!Utf8.IsValid(body.Value.Span))
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Malformed JSON", "The body is not valid UTF-8.");
        }

        JsonElement payload;
        try
        {
            using var document = JsonDocument.Parse(body.Value);
            payload = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // The parser's own message names byte positions and its internals; the client needs only the verdict.
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Malformed JSON", "The body is not valid JSON.");
        }

        // At the door, before anything is dispatched: a body the topic's typed workers cannot read is the client's
        // error, with every offending field, rather than a request that can only end Partial.
        var problems = validator.Validate(topic, payload);
        if (problems.Count > 0)
        {
            return ApiProblems.PayloadDoesNotFit(topic, problems);
        }

        var (slot, refusal) = inFlight.TryEnter(client);
        if (slot is null)
        {
            return Refuse(request, inFlight, apiOptions.Value, refusal);
        }

        IRequestHandle handle;
        try
        {
            var dispatchOptions = timeoutMs is { } timeout ? new DispatchOptions { Timeout = TimeSpan.FromMilliseconds(timeout) } : null;
            handle = await dispatcher.StartAsync(topic, payload, dispatchOptions, CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            slot.Dispose();
            throw;
        }

        slot.Started();

        // The slot is the request's, not the HTTP exchange's: a 202 keeps it until the request ends.
        InFlightLimit.ExitWhenDone(slot, handle.Outcome);
        if (PrefersAsync(request))
        {
            request.HttpContext.Response.Headers["Preference-Applied"] = RespondAsync;
            return TypedResults.Accepted($"/requests/{handle.RequestId}", new AcceptedRequest(handle.RequestId));
        }

        try
        {
            return TypedResults.Ok(await handle.Outcome.WaitAsync(request.HttpContext.RequestAborted).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // The client hung up: only the wait ends here; the request runs on and stays readable under its id.
            return ApiProblems.Problem(StatusCodes.Status499ClientClosedRequest, "Client closed request", $"Request {handle.RequestId} runs on; read it at /requests/{handle.RequestId}.");
        }
    }

    /// <summary>429 with <c>Retry-After</c>: nothing was dispatched.</summary>
    private static ProblemHttpResult Refuse(HttpRequest request, InFlightLimit inFlight, TrustChainApiOptions options, InFlightRefusal refusal)
    {
        request.HttpContext.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return refusal == InFlightRefusal.ClientShareFull
            ? ApiProblems.Problem(StatusCodes.Status429TooManyRequests, "Too many requests in flight for this client", $"This client already runs its share of {inFlight.MaxPerClient} requests dispatched through this node; retry later.")
            : ApiProblems.Problem(StatusCodes.Status429TooManyRequests, "Too many requests in flight", $"This node already runs {inFlight.Limit} requests dispatched through the API (its limit now, at most {inFlight.Max}); retry later.");
    }

    /// <summary>True when a <c>Prefer</c> header (RFC 7240) asks for <c>respond-async</c>.</summary>
    public static bool PrefersAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers["Prefer"]
            .SelectMany(v => (v ?? string.Empty).Split(','))
            .Any(p => string.Equals(p.Split(';')[0].Trim(), RespondAsync, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The body, or null when it is longer than <paramref name="maxBytes"/> (read no further than that).</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, long maxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        while (true)
        {
            var read = await request.Body.ReadAsync(buffer.GetMemory(8192), request.HttpContext.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer.WrittenMemory;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                return null;
            }
        }
    }
}
