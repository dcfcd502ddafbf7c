using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TrustChain.Engines.InMemory;
using TrustChain.Runtime;

namespace TrustChain.Hosting;

public static class TrustChainBuilderExtensions
{
    /// <summary>Hosts a worker on this node; it is created once, with its dependencies from the container.</summary>
    public static ITrustChainBuilder AddWorker<TWorker>(this ITrustChainBuilder builder)
        where TWorker : class, IWorker
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IWorker, TWorker>());
        return builder;
    }

    /// <summary>Hosts a worker instance on this node.</summary>
    public static ITrustChainBuilder AddWorker(this ITrustChainBuilder builder, IWorker worker)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(worker);
        builder.Services.AddSingleton(worker);
        return builder;
    }

    /// <summary>Folds the results of <typeparamref name="TAggregator"/>'s topic into one combined value.</summary>
    public static ITrustChainBuilder AddAggregator<TAggregator>(this ITrustChainBuilder builder)
        where TAggregator : class, IResultAggregator
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IResultAggregator, TAggregator>());
        return builder;
    }

    /// <summary>Folds the results of <paramref name="topic"/> with a function.</summary>
    public static ITrustChainBuilder AddAggregator(this ITrustChainBuilder builder, string topic, Func<RequestOutcome, JsonElement?> aggregate)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Topics.ThrowIfInvalid(topic, nameof(topic));
        ArgumentNullException.ThrowIfNull(aggregate);
        builder.Services.AddSingleton<IResultAggregator>(new DelegateAggregator(topic, aggregate));
        return builder;
    }

    /// <summary>
    /// Runs this node on an in-process network. Nodes given the same <paramref name="network"/> form one cluster;
    /// without one, the node gets a network of its own (the embedded default).
    /// </summary>
    public static ITrustChainBuilder UseInMemory(this ITrustChainBuilder builder, InMemoryNetwork? network = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ITransport>();
        if (network is not null)
        {
            builder.Services.RemoveAll<InMemoryNetwork>();
            builder.Services.AddSingleton(network);
        }
        else
        {
            builder.Services.TryAddSingleton<InMemoryNetwork>();
        }

        builder.Services.AddSingleton<ITransport>(TransportFactory.InMemory);
        return builder;
    }

    private sealed class DelegateAggregator(string topic, Func<RequestOutcome, JsonElement?> aggregate) : IResultAggregator
    {
        public string Topic => topic;

        public JsonElement? Aggregate(RequestOutcome outcome) => aggregate(outcome);
    }
}
