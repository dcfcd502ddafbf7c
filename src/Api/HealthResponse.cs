using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TrustChain.Serialization;

namespace TrustChain.Api;

/// <summary>Writes a health report as JSON: overall status, then each check with its description and data.</summary>
public static class HealthResponse
{
    /// <param name="detailed">False for a caller without a key where keys are set: the overall status alone.</param>
    public static Task WriteAsync(HttpContext context, HealthReport report, bool detailed = true)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        context.Response.ContentType = "application/json";
        if (!detailed)
        {
            return JsonSerializer.SerializeAsync(context.Response.Body, new { status = report.Status.ToString() }, TrustChainJson.Options, context.RequestAborted);
        }

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
