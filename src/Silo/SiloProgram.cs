using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Orleans.Dashboard;
using TrustChain.Demo;
using TrustChain.Demo.Hosting;
using TrustChain.Hosting;

namespace TrustChain.Silo;

/// <summary>
/// The silo executable: an Orleans silo with TrustChain and the demo workers (all, or those named in
/// <c>TrustChain:Workers</c>). With <c>ConnectionStrings:redis</c> set it joins the cluster in Redis (membership,
/// grain state, reminders); without it, localhost clustering (see <see cref="DemoClustering"/>). It serves
/// <c>/healthz</c> (alive) and <c>/readyz</c> (Orleans' health checks: active in the cluster, hosting its workers) over
/// HTTP on ASP.NET Core's usual settings (<c>--urls</c>, <c>ASPNETCORE_HTTP_PORTS</c>), on a free loopback port when
/// none is set; and logs <c>TrustChain silo ready</c> once active.
/// </summary>
public static class SiloProgram
{
    public static async Task Main(string[] args)
    {
        // Its settings file next to the executable, wherever it is started from.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"])
            && string.IsNullOrEmpty(builder.Configuration["https_ports"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            // Two silos on one machine must not both take ASP.NET Core's default port 5000.
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }

        builder.UseOrleans(silo => silo
            .UseDemoClustering(builder.Configuration)
            .AddTrustChain()
            .AddDemoWorkers()
            .AddDashboard()); // the API serves the dashboard; every silo feeds it
        builder.Services.AddTrustChainOtlpExport(builder.Configuration, "trustchain-silo");
        builder.Services.AddClusterViewLog("silo");
        builder.Services.AddHealthChecks().AddCheck<SiloHealthCheck>("orleans");

        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Ok(new { status = "Healthy" }));
        app.MapHealthChecks("/readyz", new HealthCheckOptions { ResponseWriter = WriteReportAsync });
        await app.RunAsync().ConfigureAwait(false);
    }

    private static Task WriteReportAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
        });
}
