using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace TrustChain.Api;

/// <summary>The request endpoints: dispatch a task per HTTP call and answer with its joined outcome.</summary>
public static class RequestEndpoints
{
    public static IEndpointRouteBuilder MapTrustChainRequests(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/requests/{topic}", DispatchAsync)
            .WithName("Dispatch")
            .WithSummary("Dispatches a task on a topic and waits for the joined outcome.")
            .Accepts<JsonElement>("application/json")
            .Produces<RequestOutcome>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return endpoints;
    }

    /// <remarks>
    /// The request is not tied to the HTTP connection: a client that goes away does not cancel it, it runs to its
    /// own deadline. Cancellation is an explicit act, not a side effect of a dropped socket.
    /// </remarks>
    private static async Task<Results<Ok<RequestOutcome>, ProblemHttpResult>> DispatchAsync(
        string topic,
        HttpRequest request,
        ITrustChainDispatcher dispatcher,
        IOptions<TrustChainOptions> options,
        int? timeoutMs = null)
    {
        if (!Topics.IsValid(topic))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid topic", $"'{topic}' is not a valid topic: {Topics.Rule}.");
        }

        var maxMs = (long)options.Value.MaxTimeout.TotalMilliseconds;
        if (timeoutMs is { } ms && (ms <= 0 || ms > maxMs))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid timeoutMs", $"timeoutMs must be between 1 and {maxMs}.");
        }

        if (!request.HasJsonContentType())
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type", "Send the task payload as application/json.");
        }

        JsonElement payload;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
            payload = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return Problem(StatusCodes.Status400BadRequest, "Malformed JSON", $"The body is not valid JSON: {ex.Message}");
        }

        var dispatchOptions = timeoutMs is { } timeout ? new DispatchOptions { Timeout = TimeSpan.FromMilliseconds(timeout) } : null;
        var outcome = await dispatcher.DispatchAsync(topic, payload, dispatchOptions, CancellationToken.None).ConfigureAwait(false);
        return TypedResults.Ok(outcome);
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);
}
