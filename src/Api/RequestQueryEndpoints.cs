using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using TrustChain.Messages;

namespace TrustChain.Api;

/// <summary>
/// Reading and cancelling requests by id, from any API node: each call goes to the request's grain, wherever in the
/// cluster it lives.
/// </summary>
public static class RequestQueryEndpoints
{
    public const int DefaultListLimit = 50;
    public const int MaxListLimit = 1000;

    public static IEndpointRouteBuilder MapTrustChainRequestQueries(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/requests", ListAsync)
            .WithName("ListRequests")
            .WithSummary("The cluster's recent requests, running and retained, newest first.")
            .Produces<IReadOnlyList<RequestSummary>>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        endpoints.MapGet("/requests/{id}", GetAsync)
            .WithName("GetRequest")
            .WithSummary("A request's state and journal while it runs, and its outcome once it ended.")
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

    private static async Task<Results<Ok<IReadOnlyList<RequestSummary>>, ProblemHttpResult>> ListAsync(IGrainFactory grains, TimeProvider time, int? limit = null)
    {
        var take = limit ?? DefaultListLimit;
        if (take is < 1 or > MaxListLimit)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Invalid limit", $"limit must be between 1 and {MaxListLimit}.");
        }

        var recent = await grains.GetGrain<IRequestIndexGrain>(IRequestIndexGrain.Key).RecentAsync(take).ConfigureAwait(false);
        var now = time.GetUtcNow();
        IReadOnlyList<RequestSummary> summaries = recent
            .Select(e => new RequestSummary(e.RequestId, e.Topic, e.Status, e.DispatchedAt, ((e.CompletedAt ?? now) - e.DispatchedAt).TotalMilliseconds, e.ParentRequestId))
            .ToList();
        return TypedResults.Ok(summaries);
    }

    private static async Task<Results<Ok<RequestView>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains, IOptions<TrustChainApiOptions> api, CancellationToken cancellationToken)
    {
        var (requestId, state, problem) = await AskGrainAsync(id, grains, g => g.GetAsync(), api.Value.FailoverWait, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (state is not { Snapshot: var snapshot })
        {
            return ApiProblems.UnknownRequest(requestId);
        }

        return TypedResults.Ok(new RequestView(requestId, snapshot.Topic, snapshot.Status, state.Events, snapshot.Verdicts, snapshot.Results, state.Ended ? snapshot : null));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CancelAsync(string id, IGrainFactory grains)
    {
        var (requestId, answer, problem) = await AskGrainAsync(id, grains, async g => (RequestQueryAnswer?)await g.CancelAsync().ConfigureAwait(false)).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        return answer switch
        {
            RequestQueryAnswer.Cancelled => TypedResults.NoContent(),
            RequestQueryAnswer.AlreadyEnded => ApiProblems.Problem(StatusCodes.Status409Conflict, "Request already ended", $"Request {requestId} has already ended; there is nothing to cancel."),
            _ => ApiProblems.UnknownRequest(requestId),
        };
    }

    /// <summary>
    /// Parses the id and asks the request's grain: a problem for a malformed id or a grain that does not answer.
    /// A read (idempotent) is asked again while the grain fails over, for at most <paramref name="failoverWait"/>
    /// (<see cref="TrustChainApiOptions.FailoverWait"/>), or until the client hangs up; by default it is asked once.
    /// </summary>
    public static async Task<(RequestId Id, T? Answer, ProblemHttpResult? Problem)> AskGrainAsync<T>(
        string id, IGrainFactory grains, Func<IRequestGrain, Task<T?>> ask, TimeSpan failoverWait = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(ask);
        if (!RequestId.TryParse(id, out var requestId))
        {
            return (default, default, ApiProblems.MalformedRequestId(id));
        }

        try
        {
            var grain = grains.GetGrain<IRequestGrain>(requestId.Value);
            return (requestId, await TransientFailures.RetryAsync(() => ask(grain), failoverWait, cancellationToken: cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (TransientFailures.IsTransient(ex))
        {
            // Its silo just died (or is not yet known dead), or its grain is moving: a retry reaches it elsewhere.
            return (requestId, default, ApiProblems.ClusterSilent(requestId));
        }
    }
}
