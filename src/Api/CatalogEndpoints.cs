using System.Text.Json;
using TrustChain.Signing;
using TrustChain.Workers;

namespace TrustChain.Api;

/// <summary>
/// The catalog, for operators and clients: which topics are served, by which workers, on how many live silos. It is
/// read from Orleans' cluster manifest, the same source a request's expected workers come from. Workers stay
/// anonymous to each other; this is the outside view.
/// </summary>
public static class CatalogEndpoints
{
    public static IEndpointRouteBuilder MapTrustChainCatalog(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/topics", (WorkerCatalog catalog) => TypedResults.Ok(Topics(catalog.Workers, catalog.PayloadSchemaFor)))
            .WithName("Topics")
            .WithSummary("Every topic a worker on a live silo subscribes to, with its workers, their live instances and the JSON Schema its payloads must fit.")
            .Produces<IReadOnlyList<TopicEntry>>();
        endpoints.MapGet("/workers", (WorkerCatalog catalog, TrustStore trust) => TypedResults.Ok(Workers(catalog.Workers, trust)))
            .WithName("Workers")
            .WithSummary("Every worker hosted by a live silo: its topics, the silos hosting it and the public keys its replies are verified with.")
            .Produces<IReadOnlyList<WorkerEntry>>();
        return endpoints;
    }

    /// <param name="schemaOf">The payload schema of a topic, as JSON text.</param>
    public static IReadOnlyList<TopicEntry> Topics(IReadOnlyList<WorkerInfo> workers, Func<string, string> schemaOf)
    {
        ArgumentNullException.ThrowIfNull(workers);
        ArgumentNullException.ThrowIfNull(schemaOf);
        return workers
            .SelectMany(w => w.Topics)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(topic =>
            {
                var serving = workers.Where(w => w.Topics.Contains(topic, StringComparer.Ordinal)).ToList();
                using var schema = JsonDocument.Parse(schemaOf(topic));
                return new TopicEntry(topic, serving.Select(w => w.Worker).Order(StringComparer.Ordinal).ToList(), serving.Sum(w => w.Silos.Count), schema.RootElement.Clone());
            })
            .ToList();
    }

    public static IReadOnlyList<WorkerEntry> Workers(IReadOnlyList<WorkerInfo> workers, TrustStore trust)
    {
        ArgumentNullException.ThrowIfNull(workers);
        ArgumentNullException.ThrowIfNull(trust);
        return workers
            .OrderBy(w => w.Worker, StringComparer.Ordinal)
            .Select(w => new WorkerEntry(w.Worker, w.Topics.Order(StringComparer.Ordinal).ToList(), w.Silos.Order(StringComparer.Ordinal).ToList(), trust.TrustedKeysOf(w.Worker)))
            .ToList();
    }
}
