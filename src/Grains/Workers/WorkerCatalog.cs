using System.Collections.Immutable;
using Orleans.Metadata;
using Orleans.Runtime;

namespace TrustChain.Workers;

/// <summary>
/// Which workers the live silos host, for which topics, with which public keys: read from Orleans' cluster manifest
/// (each silo announces its worker grain classes with their properties), so membership and failure detection are
/// Orleans' own. The expected set of a new request is <see cref="WorkersFor"/> its topic.
/// </summary>
public sealed class WorkerCatalog(IClusterManifestProvider manifests)
{
    private Snapshot _snapshot = Snapshot.Empty;

    /// <summary>Every worker with a live instance, by name.</summary>
    public IReadOnlyList<WorkerInfo> Workers => Current().Workers;

    /// <summary>The workers live silos host for <paramref name="topic"/>, by name.</summary>
    public IReadOnlyList<string> WorkersFor(string topic) =>
        Current().ByTopic.TryGetValue(topic, out var workers) ? workers : [];

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
        if (snapshot.Version == manifest.Version && snapshot.Built)
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
                if (properties.Properties.TryGetValue(WorkerProperties.Topics, out var topics))
                {
                    entry.Topics.UnionWith(topics.Split(',', StringSplitOptions.RemoveEmptyEntries));
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
        return new Snapshot(manifest.Version, true, workers, byTopic, workers.ToImmutableDictionary(w => w.Worker, StringComparer.Ordinal));
    }

    private sealed record Snapshot(
        MajorMinorVersion Version,
        bool Built,
        IReadOnlyList<WorkerInfo> Workers,
        ImmutableDictionary<string, IReadOnlyList<string>> ByTopic,
        ImmutableDictionary<string, WorkerInfo> ByName)
    {
        public static Snapshot Empty { get; } = new(MajorMinorVersion.Zero, false, [], ImmutableDictionary<string, IReadOnlyList<string>>.Empty, ImmutableDictionary<string, WorkerInfo>.Empty);
    }
}
