using TrustChain.Api;
using TrustChain.Hosting;
using TrustChain.Serialization;
using TrustChain.Silo.Demo;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddProblemDetails();
builder.Services.ConfigureHttpJsonOptions(o => TrustChainJson.Configure(o.SerializerOptions));

// The embedded default: the API is a TrustChain node that also hosts the demo workers.
builder.Services.AddTrustChain().AddDemoWorkers();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapTrustChainRequests();

app.Run();

/// <summary>The API's entry point, public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program;
