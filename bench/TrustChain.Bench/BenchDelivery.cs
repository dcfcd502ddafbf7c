using Orleans.Configuration;

namespace TrustChain.Bench;

/// <summary>
/// How a bench silo delivers tasks to workers: TrustChain's default (Orleans' broadcast channel) or Orleans memory
/// streams (<c>TrustChain:Delivery = Streams</c>), at their default poll or a 1 ms one. For streams the silo itself
/// adds the provider TrustChain publishes to, and the PubSub storage Orleans streams need, as a user would.
/// </summary>
internal sealed record BenchDelivery(string Name, string Label, TimeSpan? StreamPoll)
{
    /// <summary>The stream provider the bench adds; <c>TrustChain:DeliveryProvider</c> names it.</summary>
    public const string StreamProvider = "bench-memory-streams";

    /// <summary>Orleans' default poll of a persistent stream's pulling agents (<see cref="StreamPullingAgentOptions"/>).</summary>
    public static TimeSpan DefaultPoll { get; } = new StreamPullingAgentOptions().GetQueueMsgsTimerPeriod;

    public static BenchDelivery BroadcastChannel { get; } = new("broadcast", "BroadcastChannel (default)", null);

    public static BenchDelivery Streams { get; } = new("streams", $"memory streams, default poll ({DefaultPoll.TotalMilliseconds:0} ms)", DefaultPoll);

    public static BenchDelivery Streams1Ms { get; } = new("streams-1ms", "memory streams, 1 ms poll", TimeSpan.FromMilliseconds(1));

    public static IReadOnlyList<BenchDelivery> All { get; } = [BroadcastChannel, Streams, Streams1Ms];

    public static BenchDelivery Parse(string name) =>
        All.FirstOrDefault(d => d.Name == name) ?? throw new ArgumentException($"Unknown delivery '{name}': {string.Join(", ", All.Select(d => d.Name))}.", nameof(name));

    public void Configure(TrustChainOptions options)
    {
        if (StreamPoll is not null)
        {
            options.Delivery = TaskDelivery.Streams;
            options.DeliveryProvider = StreamProvider;
        }
    }

    public void Configure(ISiloBuilder silo)
    {
        if (StreamPoll is { } poll)
        {
            silo.AddMemoryStreams(StreamProvider, streams => streams.ConfigurePullingAgent(agent => agent.Configure(o => o.GetQueueMsgsTimerPeriod = poll)));
            silo.AddMemoryGrainStorage("PubSubStore");
        }
    }
}
