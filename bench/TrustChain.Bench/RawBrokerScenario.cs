using System.Diagnostics;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Messages;

namespace TrustChain.Bench;

/// <summary>
/// The broker's own rate with the same client: publish with publisher confirms (as the engine does), consume with
/// manual acknowledgements, messages the size of the engine's task message. Latency is publish to consume.
/// </summary>
internal static class RawBrokerScenario
{
    public const string Name = "raw broker: publish (confirmed) + consume";

    public static async Task<ScenarioResult> RunAsync(BenchSettings settings)
    {
        var factory = new ConnectionFactory { Uri = new Uri(settings.RabbitMqUri!) };
        await using var publisherConnection = await factory.CreateConnectionAsync();
        await using var consumerConnection = await factory.CreateConnectionAsync();
        await using var publisher = await publisherConnection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await using var consumer = await consumerConnection.CreateChannelAsync();
        var queue = (await consumer.QueueDeclareAsync($"bench-raw-{Guid.NewGuid():N}", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await consumer.BasicQosAsync(0, 256, false);

        var body = RabbitMqWire.Encode(SampleTask());
        var sentAt = new long[Math.Max(settings.RawMessages, BenchSettings.WarmUp(settings.RawMessages))];
        var received = 0;
        var expected = 0;
        TaskCompletionSource all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        long[] latencies = [];
        var events = new AsyncEventingBasicConsumer(consumer);
        events.ReceivedAsync += async (_, delivery) =>
        {
            var index = BitConverter.ToInt32(delivery.BasicProperties.CorrelationId is { } c ? Convert.FromHexString(c) : [0, 0, 0, 0]);
            latencies[index] = Stopwatch.GetTimestamp() - sentAt[index];
            await consumer.BasicAckAsync(delivery.DeliveryTag, false);
            if (Interlocked.Increment(ref received) == expected)
            {
                all.TrySetResult();
            }
        };
        await consumer.BasicConsumeAsync(queue, autoAck: false, events);

        async Task<RunResult> OnceAsync(int messages)
        {
            latencies = new long[messages];
            received = 0;
            expected = messages;
            all = new(TaskCreationOptions.RunContinuationsAsynchronously);
            var next = -1;
            GC.Collect();
            using var memory = new MemoryProbe();
            var allocatedBefore = GC.GetTotalAllocatedBytes(true);
            var started = Stopwatch.GetTimestamp();
            var senders = Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < messages)
                {
                    sentAt[i] = Stopwatch.GetTimestamp();
                    var properties = new BasicProperties { ContentType = RabbitMqWire.ContentType, CorrelationId = Convert.ToHexString(BitConverter.GetBytes(i)) };
                    await publisher.BasicPublishAsync(string.Empty, queue, mandatory: false, properties, body);
                }
            }));
            await Task.WhenAll(senders);
            await all.Task.WaitAsync(TimeSpan.FromMinutes(2));
            var elapsed = Stopwatch.GetElapsedTime(started);
            var allocated = GC.GetTotalAllocatedBytes(true) - allocatedBefore - memory.OwnAllocatedBytes;
            Array.Sort(latencies);
            double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
            return new RunResult(messages, 0, messages / elapsed.TotalSeconds,
                Ms(latencies[latencies.Length / 2]), Ms(latencies[Math.Min(latencies.Length - 1, (int)(latencies.Length * 0.99))]), Ms(latencies[^1]),
                (double)allocated / messages, memory.PeakMb)
            {
                Extra = new Dictionary<string, double> { ["bytes/msg"] = body.Length },
            };
        }

        await OnceAsync(BenchSettings.WarmUp(settings.RawMessages));
        var runs = new List<RunResult>();
        for (var i = 0; i < settings.Runs; i++)
        {
            runs.Add(await OnceAsync(settings.RawMessages));
        }

        return new ScenarioResult(Name, "RabbitMQ.Client 7.1.2", runs, $"{body.Length} B messages; req/s column = messages/s");
    }

    private static TaskMessage SampleTask()
    {
        var now = DateTimeOffset.UtcNow;
        return new TaskMessage(RequestId.New("bench-dispatcher"), BenchTopics.Order, BenchTopics.OrderPayload(1), "bench-dispatcher", now, now.AddSeconds(30), TimeSpan.FromSeconds(10),
            TraceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    }
}
