using Orleans.Dashboard;
using TrustChain.Api;
using TrustChain.Demo;
using TrustChain.Demo.Hosting;
using TrustChain.Hosting;
using TrustChain.Serialization;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddProblemDetails();
builder.Services.ConfigureHttpJsonOptions(o => TrustChainJson.Configure(o.SerializerOptions));
// Each topic's payload schema (from the cluster manifest) as a component, with a POST path per topic.
builder.Services.AddOpenApi(o => o.AddDocumentTransformer<TopicSchemasTransformer>());

// A parameter that does not bind (timeoutMs=soon) is the client's error in every environment: a 400 problem, not a
// developer exception page.
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = false);

// The embedded default: an Orleans silo in this process (localhost clustering, memory storage) hosting TrustChain and
// the demo workers; the endpoints call its grains. TrustChain:Workers picks a subset of the workers. With
// ConnectionStrings:redis set, this process is an Orleans client of the cluster in Redis instead: it hosts no worker,
// and its endpoints call the grains wherever the silos hold them.
if (DemoClustering.IsRedisCluster(builder.Configuration))
{
    builder.Services.AddSingleton<ClusterConnection>();
    builder.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<ClusterConnection>());
    builder.UseOrleansClient(client => client
        .UseDemoClustering(builder.Configuration)
        .AddTrustChain()
        .AddDashboard());
}
else
{
    builder.UseOrleans(silo => silo
        .UseDemoClustering(builder.Configuration)
        .AddTrustChain()
        .AddDemoWorkers()
        .AddDashboard());
}

builder.Services.AddTrustChainApi();
builder.Services.AddHealthChecks().AddCheck<TrustChainHealthCheck>("trustchain");
builder.Services.AddTrustChainOtlpExport(builder.Configuration, "trustchain-api");
builder.Services.AddClusterViewLog("api");

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseMiddleware<ApiKeyMiddleware>();

app.MapOpenApi();
app.MapTrustChainRequests();
app.MapTrustChainRequestQueries();
app.MapTrustChainRequestEvents();
app.MapTrustChainCatalog();
app.MapTrustChainHealth();
if (app.Services.GetService<ReservationLedger>() is not null)
{
    app.MapDemoReservations(); // what the warehouses of this process's own silo hold: only where there is one
}

app.MapOrleansDashboard(DashboardPath); // behind the API key when keys are set (ApiKeyMiddleware)
app.MapTrustChainJourneys();

app.Run();

/// <summary>The API's entry point, public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program
{
    /// <summary>Where the Orleans dashboard is served.</summary>
    public const string DashboardPath = "/dashboard";
}
