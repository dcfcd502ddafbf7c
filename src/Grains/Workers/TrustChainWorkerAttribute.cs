using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Metadata;
using Orleans.Runtime;
using TrustChain.Signing;

namespace TrustChain.Workers;

/// <summary>
/// Makes a <see cref="WorkerGrain"/> class a TrustChain worker: its name (the unit of interest, of reply and of
/// signature) and its topics. The class becomes the grain type <c>trustchain.worker.{name}</c>, implicitly subscribed
/// to each topic on Orleans' broadcast channels and streams, so a task reaches the activation keyed by its request id;
/// its silo announces the worker, its topics and its public key in the cluster manifest.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class TrustChainWorkerAttribute : Attribute, IGrainTypeProviderAttribute, IGrainBindingsProviderAttribute, IGrainPropertiesProviderAttribute
{
    public TrustChainWorkerAttribute(string name, params string[] topics)
    {
        Topics.ThrowIfInvalid(name, nameof(name));
        ArgumentNullException.ThrowIfNull(topics);
        if (topics.Length == 0)
        {
            throw new ArgumentException($"Worker '{name}' subscribes to no topic.", nameof(topics));
        }

        foreach (var topic in topics)
        {
            Topics.ThrowIfInvalid(topic, nameof(topics));
        }

        Name = name;
        WorkerTopics = topics.Distinct(StringComparer.Ordinal).ToArray();
    }

    public string Name { get; }

    public IReadOnlyList<string> WorkerTopics { get; }

    public GrainType GetGrainType(IServiceProvider services, Type type) => WorkerCatalog.GrainTypeFor(Name);

    public IEnumerable<Dictionary<string, string?>> GetBindings(IServiceProvider services, Type grainClass, GrainType grainType)
    {
        // Orleans' own subscriptions, one per topic and delivery, so each provider finds the worker as it would any
        // implicit subscriber.
        foreach (var topic in WorkerTopics)
        {
            foreach (var binding in new ImplicitChannelSubscriptionAttribute(topic).GetBindings(services, grainClass, grainType))
            {
                yield return binding;
            }

            foreach (var binding in new ImplicitStreamSubscriptionAttribute(topic).GetBindings(services, grainClass, grainType))
            {
                yield return binding;
            }
        }
    }

    public void Populate(IServiceProvider services, Type grainClass, GrainType grainType, Dictionary<string, string> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        properties[WorkerProperties.Name] = Name;
        properties[WorkerProperties.Topics] = string.Join(',', WorkerTopics);
        if (services?.GetService<WorkerKeyRing>()?.SigningKeyFor(Name) is { } key)
        {
            properties[WorkerProperties.PublicKey] = key.PublicKey;
        }

        if (PayloadSchemaOf(grainClass) is { } schema)
        {
            properties[WorkerProperties.PayloadSchema] = schema;
        }
    }

    /// <summary>
    /// The schema of a typed worker's payload, or null for a raw-JSON worker. A payload type the exporter cannot
    /// describe announces none: its workers still refuse what they cannot read, with a failed verdict.
    /// </summary>
    private static string? PayloadSchemaOf(Type grainClass)
    {
        if (grainClass is null || PayloadSchemas.PayloadTypeOf(grainClass) is not { } payload)
        {
            return null;
        }

        try
        {
            return PayloadSchemas.For(payload);
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException)
        {
            return null;
        }
    }

    // Read once per class: every activation of a worker asks (reflection made a new attribute, and ran its checks, each time).
    private static readonly ConcurrentDictionary<Type, TrustChainWorkerAttribute> ByClass = new();

    /// <summary>The attribute of a worker grain class.</summary>
    public static TrustChainWorkerAttribute Of(Type workerClass)
    {
        ArgumentNullException.ThrowIfNull(workerClass);
        return ByClass.GetOrAdd(workerClass, Read);

        static TrustChainWorkerAttribute Read(Type workerClass) =>
            workerClass.GetCustomAttributes(typeof(TrustChainWorkerAttribute), inherit: false).OfType<TrustChainWorkerAttribute>().FirstOrDefault()
            ?? throw new InvalidOperationException($"{workerClass.Name} is a worker grain without [TrustChainWorker(name, topics)].");
    }
}
