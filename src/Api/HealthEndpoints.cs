using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TrustChain.Api;

/// <summary>
/// <c>/healthz</c>: the process is alive (always 200 while it runs; for liveness probes). <c>/readyz</c>: the node can
/// serve (engine connected, workers known; 503 otherwise; for readiness probes and load balancers). Neither needs an
/// API key; with keys set, a call without one gets the status alone.
/// </summary>
public static class HealthEndpoints
{
    public const string LivePath = "/healthz";
    public const string ReadyPath = "/readyz";

    public static IEndpointRouteBuilder MapTrustChainHealth(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(LivePath, () => TypedResults.Ok(new Liveness("Healthy")))
            .WithName("Live")
            .WithSummary("The process is alive.")
            .Produces<Liveness>();
        endpoints.MapGet(ReadyPath, ReadyAsync)
            .WithName("Ready")
            .WithSummary("Whether the node can serve: engine connected and membership known (503 when not).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces(StatusCodes.Status503ServiceUnavailable, contentType: "application/json");
        return endpoints;
    }

    private static async Task ReadyAsync(HttpContext context, HealthCheckService health)
    {
        var report = await health.CheckHealthAsync(context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        context.Response.Headers.CacheControl = "no-store";
        await HealthResponse.WriteAsync(context, report, detailed: !ApiKeyMiddleware.IsAnonymous(context)).ConfigureAwait(false);
    }

    public sealed record Liveness(string Status);
}
