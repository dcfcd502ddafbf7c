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
// the demo workers; the endpoints call its grains. TrustChain:Workers picks a subset of the workers.
builder.UseOrleans(silo => silo
    .UseDemoClustering(builder.Configuration)
    .AddTrustChain()
    .AddDemoWorkers());
builder.Services.AddTrustChainApi();
builder.Services.AddHealthChecks().AddCheck<TrustChainHealthCheck>("trustchain");
builder.Services.AddTrustChainOtlpExport(builder.Configuration, "trustchain-api");

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
app.MapDemoReservations();
app.MapTrustChainJourneys();

app.Run();

/// <summary>The API's entry point, public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program;
