using Microsoft.AspNetCore.Http.HttpResults;
using TrustChain.Messages;
using TrustChain.Runtime;

namespace TrustChain.Api;

/// <summary>
/// Reading and cancelling requests by id, on any API node: a request owned by another node is asked of its owner
/// (the <see cref="RequestDirectory"/> forwards the query over the engine).
/// </summary>
public static class RequestQueryEndpoints
{
    public const int DefaultListLimit = 50;
    public const int MaxListLimit = 1000;

    public static IEndpointRouteBuilder MapTrustChainRequestQueries(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/requests", List)
            .WithName("ListRequests")
            .WithSummary("The requests this node owns, running and retained, newest first.")
            .Produces<IReadOnlyList<RequestSummary>>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        endpoints.MapGet("/requests/{id}", GetAsync)
            .WithName("GetRequest")
            .WithSummary("A request's state and journal while it runs, and its outcome once it ended; works on any node.")
            .Produces<RequestView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        endpoints.MapDelete("/requests/{id}", CancelAsync)
            .WithName("CancelRequest")
            .WithSummary("Cancels a running request; its workers and nested requests are told.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        return endpoints;
    }

    private static Results<Ok<IReadOnlyList<RequestSummary>>, ProblemHttpResult> List(RequestDirectory directory, int? limit = null)
    {
        var take = limit ?? DefaultListLimit;
        if (take is < 1 or > MaxListLimit)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid limit", $"limit must be between 1 and {MaxListLimit}.");
        }

        IReadOnlyList<RequestSummary> summaries = directory.Recent(take)
            .Select(o => new RequestSummary(o.RequestId, o.Topic, o.Status, o.DispatchedAt, o.ElapsedMs, o.ParentRequestId))
            .ToList();
        return TypedResults.Ok(summaries);
    }

    private static async Task<Results<Ok<RequestView>, ProblemHttpResult>> GetAsync(string id, RequestDirectory directory, CancellationToken cancellationToken)
    {
        var (requestId, reply, problem) = await AskOwnerAsync(id, rid => directory.GetAsync(rid, cancellationToken)).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (reply is not { Answer: RequestQueryAnswer.Found, State: { } state })
        {
            return ApiProblems.UnknownRequest(requestId);
        }

        var ended = state.Status != RequestStatus.Running;
        return TypedResults.Ok(new RequestView(requestId, state.Topic, state.Status, reply.Events ?? [], state.Verdicts, state.Results, ended ? state : null));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CancelAsync(string id, RequestDirectory directory, CancellationToken cancellationToken)
    {
        var (requestId, reply, problem) = await AskOwnerAsync(id, rid => directory.CancelAsync(rid, cancellationToken)).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        return reply?.Answer switch
        {
            RequestQueryAnswer.Cancelled => TypedResults.NoContent(),
            RequestQueryAnswer.AlreadyEnded => ApiProblems.Problem(StatusCodes.Status409Conflict, "Request already ended", $"Request {requestId} has already ended; there is nothing to cancel."),
            _ => ApiProblems.UnknownRequest(requestId),
        };
    }

    /// <summary>Parses the id and asks its owner (here or elsewhere): a problem for a malformed id or a silent owner.</summary>
    public static async Task<(RequestId Id, RequestQueryReply? Reply, ProblemHttpResult? Problem)> AskOwnerAsync(string id, Func<RequestId, Task<RequestQueryReply>> ask)
    {
        ArgumentNullException.ThrowIfNull(ask);
        if (!RequestId.TryParse(id, out var requestId))
        {
            return (default, null, ApiProblems.MalformedRequestId(id));
        }

        try
        {
            return (requestId, await ask(requestId).ConfigureAwait(false), null);
        }
        catch (RequestQueryTimeoutException ex)
        {
            return (requestId, null, ApiProblems.OwnerSilent(ex));
        }
    }
}
