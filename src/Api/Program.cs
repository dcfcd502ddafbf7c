using TrustChain.Api;
using TrustChain.Hosting;
using TrustChain.Serialization;
using TrustChain.Silo.Demo;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddProblemDetails();
builder.Services.ConfigureHttpJsonOptions(o => TrustChainJson.Configure(o.SerializerOptions));
builder.Services.AddOpenApi();

// A parameter that does not bind (timeoutMs=soon) is the client's error in every environment: a 400 problem, not a
// developer exception page.
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = false);

// The engine comes from TrustChain:Transport. In memory (the embedded default) the API is the whole cluster and hosts
// the demo workers; on RabbitMQ they run in silo processes and the API only dispatches, joins and answers (it keeps
// the order aggregator, which folds outcomes where they are joined).
var embedded = TrustChainTransportOptions.Read(builder.Configuration) == TransportKind.InMemory;
builder.Services.AddTrustChain().AddDemoWorkers(embedded ? null : []);
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
