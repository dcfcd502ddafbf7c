using Microsoft.AspNetCore.Http.HttpResults;

namespace TrustChain.Api;

/// <summary>The API's errors, all as RFC 9457 problem details (<c>application/problem+json</c>).</summary>
public static class ApiProblems
{
    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    /// <summary>
    /// 400: the body does not fit the topic's schema; <c>errors</c> lists every offending field (JSON path, kind,
    /// problem), at most <see cref="PayloadValidator.MaxListed"/> of them.
    /// </summary>
    public static ProblemHttpResult PayloadDoesNotFit(string topic, IReadOnlyList<PayloadProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var listed = problems.Take(PayloadValidator.MaxListed).ToList();
        var count = problems.Count == listed.Count ? $"{problems.Count} problem(s)" : $"{problems.Count} problems, the first {listed.Count} listed";
        return TypedResults.Problem(
            $"The body does not fit the payload schema of '{topic}' (see GET /topics): {count}.",
            statusCode: StatusCodes.Status400BadRequest,
            title: "Payload does not fit the topic",
            extensions: new Dictionary<string, object?> { ["errors"] = listed });
    }

    public static ProblemHttpResult MalformedRequestId(string text) =>
        Problem(StatusCodes.Status400BadRequest, "Malformed request id", $"'{text}' is not a request id ({{node}}.{{32 hex digits}}).");

    public static ProblemHttpResult UnknownRequest(RequestId id) =>
        Problem(StatusCodes.Status404NotFound, "Unknown request", $"No request {id} is known (never dispatched, or its retention has ended).");

    /// <summary>The request's grain did not answer within Orleans' response timeout (e.g. its silo just died).</summary>
    public static ProblemHttpResult ClusterSilent(RequestId id) =>
        Problem(StatusCodes.Status504GatewayTimeout, "The cluster did not answer", $"Request {id}'s grain did not answer in time; retry.");
}
