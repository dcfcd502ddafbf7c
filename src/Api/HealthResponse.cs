using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TrustChain.Serialization;

namespace TrustChain.Api;

/// <summary>Writes a health report as JSON: overall status, then each check with its description and data.</summary>
public static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, TrustChainJson.Options, context.RequestAborted);
    }
}
