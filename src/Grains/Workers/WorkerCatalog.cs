using System.Collections.Immutable;
using Orleans.Metadata;
using Orleans.Runtime;

namespace TrustChain.Workers;

/// <summary>
/// Which workers the live silos host, for which topics, with which public keys: read from Orleans' cluster manifest
/// (each silo announces its worker grain classes with their properties), so membership and failure detection are
/// Orleans' own. The expected set of a new request is <see cref="WorkersFor"/> its topic; the body it must fit is
/// <see cref="PayloadSchemaFor"/> its topic.
/// </summary>
public sealed class WorkerCatalog(IClusterManifestProvider manifests)
{
    private Snapshot _snapshot = Snapshot.Empty;

    /// <summary>Every worker with a live instance, by name.</summary>
    public IReadOnlyList<WorkerInfo> Workers => Current().Workers;

    /// <summary>The workers live silos host for <paramref name="topic"/>, by name.</summary>
    public IReadOnlyList<string> WorkersFor(string topic) =>
        Current().ByTopic.TryGetValue(topic, out var workers) ? workers : [];

    /// <summary>
    /// The JSON Schema a payload on <paramref name="topic"/> must fit, as JSON text: the <c>allOf</c> of every typed
    /// worker's payload schema that live silos announce for it (raw-JSON workers add no constraint), or
    /// <see cref="PayloadSchemas.Any"/> when none does.
    /// </summary>
    public string PayloadSchemaFor(string topic) =>
        Current().SchemaByTopic.TryGetValue(topic, out var schema) ? schema : PayloadSchemas.Any;

    /// <summary>The payload schema of every topic a live silo serves, by topic.</summary>
    public IReadOnlyDictionary<string, string> TopicSchemas =>
        Current().ByTopic.Keys.Order(StringComparer.Ordinal).ToDictionary(t => t, PayloadSchemaFor, StringComparer.Ordinal);

    /// <summary>The grain type of the named worker, if a live silo hosts it.</summary>
    public GrainType? GrainTypeOf(string worker) =>
        Current().ByName.ContainsKey(worker) ? GrainTypeFor(worker) : null;

    /// <summary>The public keys the live silos announce for the worker.</summary>
    public IReadOnlyList<string> PublicKeysOf(string worker) =>
        Current().ByName.TryGetValue(worker, out var info) ? info.PublicKeys : [];

    /// <summary>The grain type a worker named <paramref name="worker"/> gets.</summary>
    public static GrainType GrainTypeFor(string worker) => GrainType.Create(WorkerProperties.GrainTypePrefix + worker);

    private Snapshot Current()
    {
        var manifest = manifests.Current;
        var snapshot = Volatile.Read(ref _snapshot);
        // By reference, not by version: a client's manifest (from its gateways) can change content under one version.
        if (ReferenceEquals(snapshot.Manifest, manifest))
        {
            return snapshot;
        }

        snapshot = Build(manifest);
        Volatile.Write(ref _snapshot, snapshot);
        return snapshot;
    }

    private static Snapshot Build(ClusterManifest manifest)
    {
        var found = new Dictionary<string, (HashSet<string> Topics, List<string> Silos, HashSet<string> Keys)>(StringComparer.Ordinal);
        var schemas = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (silo, grains) in manifest.Silos)
        {
            foreach (var properties in grains.Grains.Values)
            {
                if (!properties.Properties.TryGetValue(WorkerProperties.Name, out var name))
                {
                    continue;
                }

                if (!found.TryGetValue(name, out var entry))
                {
                    entry = (new HashSet<string>(StringComparer.Ordinal), [], new HashSet<string>(StringComparer.Ordinal));
                    found[name] = entry;
                }

                entry.Silos.Add(silo.ToParsableString());
                var announced = properties.Properties.TryGetValue(WorkerProperties.Topics, out var topics)
                    ? topics.Split(',', StringSplitOptions.RemoveEmptyEntries)
                    : [];
                entry.Topics.UnionWith(announced);

                // Every typed worker of a topic must be able to read its payloads, on every silo (versions may differ
                // during a rolling upgrade): the topic's schema is the conjunction of all of them.
                if (properties.Properties.TryGetValue(WorkerProperties.PayloadSchema, out var schema) && schema.Length > 0)
                {
                    foreach (var topic in announced)
                    {
                        if (!schemas.TryGetValue(topic, out var ofTopic))
                        {
                            schemas[topic] = ofTopic = new HashSet<string>(StringComparer.Ordinal);
                        }

                        ofTopic.Add(schema);
                    }
                }

                if (properties.Properties.TryGetValue(WorkerProperties.PublicKey, out var key) && key.Length > 0)
                {
                    entry.Keys.Add(key);
                }
            }
        }

        var workers = found
            .OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => new WorkerInfo(w.Key, w.Value.Topics.Order(StringComparer.Ordinal).ToList(), w.Value.Silos.Order(StringComparer.Ordinal).ToList(), w.Value.Keys.Order(StringComparer.Ordinal).ToList()))
            .ToList();
        var byTopic = workers
            .SelectMany(w => w.Topics.Select(t => (Topic: t, w.Worker)))
            .GroupBy(p => p.Topic, StringComparer.Ordinal)
            .ToImmutableDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(p => p.Worker).ToList(), StringComparer.Ordinal);
        var schemaByTopic = schemas.ToImmutableDictionary(s => s.Key, s => PayloadSchemas.Combine(s.Value), StringComparer.Ordinal);
        return new Snapshot(manifest, workers, byTopic, workers.ToImmutableDictionary(w => w.Worker, StringComparer.Ordinal), schemaByTopic);
    }

    private sealed record Snapshot(
        ClusterManifest? Manifest,
        IReadOnlyList<WorkerInfo> Workers,
        ImmutableDictionary<string, IReadOnlyList<string>> ByTopic,
        ImmutableDictionary<string, WorkerInfo> ByName,
        ImmutableDictionary<string, string> SchemaByTopic)
    {
        public static Snapshot Empty { get; } = new(null, [], ImmutableDictionary<string, IReadOnlyList<string>>.Empty, ImmutableDictionary<string, WorkerInfo>.Empty, ImmutableDictionary<string, string>.Empty);
    }
}
