using TrustChain.Runtime;

namespace TrustChain.Api;

/// <summary>
/// The catalog from membership, for operators and clients: which topics are served, by which workers, with how
/// many live instances. Workers stay anonymous to each other; this is the outside view.
/// </summary>
public static class CatalogEndpoints
{
    public static IEndpointRouteBuilder MapTrustChainCatalog(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/topics", (ITransport transport) => TypedResults.Ok(Topics(transport.Membership)))
            .WithName("Topics")
            .WithSummary("Every topic a live worker subscribes to, with its workers and their live instances.")
            .Produces<IReadOnlyList<TopicEntry>>();
        endpoints.MapGet("/workers", (ITransport transport) => TypedResults.Ok(Workers(transport.Membership)))
            .WithName("Workers")
            .WithSummary("Every worker with a live instance: its topics and the nodes its instances run on.")
            .Produces<IReadOnlyList<WorkerEntry>>();
        return endpoints;
    }

    public static IReadOnlyList<TopicEntry> Topics(IMembership membership)
    {
        ArgumentNullException.ThrowIfNull(membership);
        var workers = membership.Workers;
        return workers
            .SelectMany(w => w.Topics)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(topic =>
            {
                var serving = workers.Where(w => w.Topics.Contains(topic, StringComparer.Ordinal)).ToList();
                return new TopicEntry(topic, serving.Select(w => w.Worker).Order(StringComparer.Ordinal).ToList(), serving.Sum(w => w.Instances.Count));
            })
            .ToList();
    }

    public static IReadOnlyList<WorkerEntry> Workers(IMembership membership)
    {
        ArgumentNullException.ThrowIfNull(membership);
        return membership.Workers
            .OrderBy(w => w.Worker, StringComparer.Ordinal)
            .Select(w => new WorkerEntry(w.Worker, w.Topics.Order(StringComparer.Ordinal).ToList(), w.Instances.Order(StringComparer.Ordinal).ToList(), PublicKeys: null))
            .ToList();
    }
}
