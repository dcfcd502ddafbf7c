using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Messages;
using TrustChain.Runtime;
using TrustChain.Serialization;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>The engine's own guarantees on the real broker: dead letters, bounded prefetch, redelivery, membership.</summary>
public sealed class RabbitMqEngineTests : IClassFixture<RabbitMqBroker>, IAsyncLifetime
{
    private readonly RabbitMqOptions _options = RabbitMqBroker.Options(RabbitMqBroker.NewPrefix());
    private readonly List<EngineNode> _nodes = [];
    private readonly HashSet<string> _workers = new(StringComparer.Ordinal);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync().AsTask().Guarded();
        }

        await RabbitMqBroker.DeleteAsync(new(_options.Prefix), _workers, _nodes.Select(n => n.Transport.NodeId));
    }

    [Fact]
    public async Task Garbage_and_malformed_envelopes_on_the_task_exchange_and_a_node_queue_are_dead_lettered_with_a_reason_and_counted_and_the_node_keeps_serving()
    {
        var node = await Node("node-a");
        var handler = new RecordingHandler();
        await Subscribe(node, "probe", handler, "dl.run");
        var letters = new List<DeadLetter>();
        var allLettered = Safety.Signal();
        node.Transport.MessageDeadLettered += letter =>
        {
            lock (letters)
            {
                letters.Add(letter);
                if (letters.Count == 8)
                {
                    allLettered.TrySetResult();
                }
            }
        };

        var topology = node.Transport.Topology;
        var nodeQueue = topology.NodeQueue("node-a");
        var valid = NewTask("dl.run");
        byte[][] onTasks =
        [
            [0xFF, 0xFE, 0x00, 0x42, 0x13],
            Encoding.UTF8.GetBytes("{ \"kind\": \"task\", "),
            Encoding.UTF8.GetBytes("""{ "kind": "task" }"""),
            Encoding.UTF8.GetBytes($$"""{ "kind": "no-such-kind", "requestId": "{{RequestId.New("x")}}" }"""),
            RabbitMqWire.Encode(new VerdictMessage(valid.RequestId, "dl.run", "probe", "node-a", true, DateTimeOffset.UtcNow)),
        ];
        byte[][] onNode =
        [
            Encoding.UTF8.GetBytes("not json at all"),
            RabbitMqWire.Encode(NewTask("dl.run")),
            Encoding.UTF8.GetBytes("""{ "kind": "lease", "requestId": "not-a-request-id", "worker": "probe", "instance": "node-a" }"""),
        ];
        foreach (var body in onTasks)
        {
            await RabbitMqBroker.PublishRawAsync(topology.TasksExchange, "dl.run", body);
        }

        foreach (var body in onNode)
        {
            await RabbitMqBroker.PublishRawAsync(string.Empty, nodeQueue, body);
        }

        // Then good messages: they are served as if nothing had happened.
        var lease = new LeaseRenewal(valid.RequestId, "probe", "node-b", DateTimeOffset.UtcNow);
        await node.Transport.PublishTaskAsync(valid, CancellationToken.None).AsTask().Guarded();
        await node.Transport.SendAsync("node-a", lease, CancellationToken.None).AsTask().Guarded();

        await handler.WaitForCountAsync(1);
        await node.WaitForReceivedAsync(r => r.OfType<LeaseRenewal>().Any());
        await allLettered.Task.Guarded();

        Assert.Equal(valid.RequestId, Assert.Single(handler.Deliveries).Task.RequestId);
        Assert.Equal(lease, Assert.Single(node.Received));
        Assert.Equal(8, node.Transport.DeadLettered);
        Assert.Equal(5, letters.Count(l => l.Queue == topology.WorkerQueue("probe")));
        Assert.Equal(3, letters.Count(l => l.Queue == nodeQueue));
        Assert.All(letters, l => Assert.False(string.IsNullOrWhiteSpace(l.Reason)));
        Assert.Contains(letters, l => l.Reason.Contains("only tasks belong", StringComparison.Ordinal));
        Assert.Contains(letters, l => l.Reason.Contains("task on a node queue", StringComparison.Ordinal));

        // The dead-letter queue holds each of them as it was sent, with the reason and origin in its headers.
        Assert.Equal((8u, 0u), await RabbitMqBroker.QueueStateAsync(topology.DeadLetterQueue));
        var sent = onTasks.Concat(onNode).Select(Convert.ToBase64String).Order(StringComparer.Ordinal).ToList();
        var kept = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var message = await RabbitMqBroker.GetAsync(topology.DeadLetterQueue);
            Assert.NotNull(message);
            kept.Add(Convert.ToBase64String(message.Body.ToArray()));
            var headers = message.BasicProperties.Headers!;
            Assert.False(string.IsNullOrWhiteSpace(Header(headers, RabbitMqHeaders.Reason)));
            Assert.Contains(Header(headers, RabbitMqHeaders.Queue), new[] { topology.WorkerQueue("probe"), nodeQueue });
            Assert.Equal("node-a", Header(headers, RabbitMqHeaders.Node));
        }

        Assert.Equal(sent, kept.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_instance_holds_no_more_tasks_than_its_prefetch_and_those_it_hands_back_on_stopping_go_to_another_instance()
    {
        var holder = await Node("node-a");
        var holding = new RecordingHandler(holds: true);
        var holderSubscription = await Subscribe(holder, "mover", holding, concurrency: 2, topics: "move.run");
        var tasks = Enumerable.Range(0, 5).Select(_ => NewTask("move.run")).ToList();
        foreach (var task in tasks)
        {
            await holder.Transport.PublishTaskAsync(task, CancellationToken.None).AsTask().Guarded(); // confirmed when this returns
        }

        await holding.WaitForCountAsync(2);
        Assert.Equal((3u, 1u), await RabbitMqBroker.QueueStateAsync(holder.Transport.Topology.WorkerQueue("mover")));

        var taker = await Node("node-b");
        var taking = new RecordingHandler();
        await Subscribe(taker, "mover", taking, concurrency: 10, topics: "move.run");
        await taking.WaitForCountAsync(3);

        // Stopping with no grace hands the two tasks in progress back: the other instance gets them, as redeliveries.
        await holderSubscription.DisposeAsync().AsTask().Guarded();
        await taking.WaitForCountAsync(5);
        Assert.Equal(Ids(tasks), Ids(taking.Deliveries.Select(d => d.Task)));
        Assert.Equal(Ids(holding.Deliveries.Select(d => d.Task)), Ids(taking.Deliveries.Where(d => d.Redelivered).Select(d => d.Task)));
    }

    [Fact]
    public async Task A_worker_queue_deleted_under_a_running_consumer_is_declared_again_and_its_tasks_are_consumed()
    {
        var node = await Node("node-a");
        var handler = new RecordingHandler();
        await Subscribe(node, "phoenix", handler, topics: "phoenix.run");
        var resumed = Safety.Signal();
        node.Transport.WorkerConsumerResumed += worker =>
        {
            if (worker == "phoenix")
            {
                resumed.TrySetResult();
            }
        };

        // What an operator's `rabbitmqctl delete_queue` does: the broker cancels the consumer, channel and connection stay up.
        await RabbitMqBroker.WithChannelAsync(channel => channel.QueueDeleteAsync(node.Transport.Topology.WorkerQueue("phoenix")));
        await resumed.Task.Guarded();

        var task = NewTask("phoenix.run");
        await node.Transport.PublishTaskAsync(task, CancellationToken.None).AsTask().Guarded();
        await handler.WaitForCountAsync(1);
        Assert.Equal(task.RequestId, Assert.Single(handler.Deliveries).Task.RequestId);
        Assert.Equal((0u, 1u), await RabbitMqBroker.QueueStateAsync(node.Transport.Topology.WorkerQueue("phoenix")));
    }

    [Fact]
    public async Task A_task_held_by_a_node_that_dies_is_redelivered_to_another_instance()
    {
        var doomed = await Node("node-a");
        var holding = new RecordingHandler(holds: true);
        await Subscribe(doomed, "mover", holding, concurrency: 1, topics: "move.run");
        var task = NewTask("move.run");
        await doomed.Transport.PublishTaskAsync(task, CancellationToken.None).AsTask().Guarded();
        await holding.WaitForCountAsync(1);

        var survivor = await Node("node-b");
        var taking = new RecordingHandler();
        await Subscribe(survivor, "mover", taking, concurrency: 1, topics: "move.run");
        doomed.Transport.Crash();

        await taking.WaitForCountAsync(1);
        var redelivery = Assert.Single(taking.Deliveries);
        Assert.Equal(task.RequestId, redelivery.Task.RequestId);
        Assert.True(redelivery.Redelivered);
    }

    [Fact]
    public async Task A_nodes_own_workers_count_at_once_others_from_their_heartbeat_until_three_are_missed_or_they_leave()
    {
        _options.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
        var a = await Node("node-a");
        await Subscribe(a, "member", new RecordingHandler(), "member.run");
        Assert.Equal(["member"], a.Transport.Membership.WorkersFor("member.run"));

        var observer = await Node("node-b");
        await WaitForInstancesAsync(observer, "node-a");
        var c = await Node("node-c");
        await Subscribe(c, "member", new RecordingHandler(), "member.run");
        await WaitForInstancesAsync(observer, "node-a", "node-c");

        a.Transport.Crash(); // silent from now on: gone after three missed heartbeats
        await WaitForInstancesAsync(observer, "node-c");
        Assert.Equal(["member"], observer.Transport.Membership.WorkersFor("member.run"));

        await c.Transport.StopAsync(CancellationToken.None).Guarded(); // says goodbye: gone without waiting
        await WaitForInstancesAsync(observer);
        Assert.Empty(observer.Transport.Membership.WorkersFor("member.run"));
    }

    [Fact]
    public async Task A_message_to_a_node_that_has_no_queue_is_dropped_quietly_and_a_task_nobody_subscribes_to_is_no_error()
    {
        var node = await Node("node-a");

        await node.Transport.SendAsync("nobody-here", new CancelRequest(RequestId.New("node-a"), RequestStatus.Cancelled), CancellationToken.None).AsTask().Guarded();
        await node.Transport.PublishTaskAsync(NewTask("nobody.listens"), CancellationToken.None).AsTask().Guarded();

        Assert.True(node.Transport.IsConnected);
        Assert.Equal(0, node.Transport.DeadLettered);
    }

    private async Task<EngineNode> Node(string nodeId)
    {
        var node = await EngineNode.StartAsync(nodeId, _options);
        _nodes.Add(node);
        return node;
    }

    private Task<IAsyncDisposable> Subscribe(EngineNode node, string worker, RecordingHandler handler, params string[] topics) =>
        Subscribe(node, worker, handler, 16, topics);

    private async Task<IAsyncDisposable> Subscribe(EngineNode node, string worker, RecordingHandler handler, int concurrency, params string[] topics)
    {
        _workers.Add(worker);
        return await node.Transport.SubscribeAsync(new WorkerSubscription(worker, topics, concurrency), handler.HandleAsync, CancellationToken.None).AsTask().Guarded();
    }

    private static Task WaitForInstancesAsync(EngineNode observer, params string[] instances) =>
        observer.Transport.RabbitMqMembership.WaitUntilAsync(
            m => (m.Workers.FirstOrDefault(w => w.Worker == "member")?.Instances ?? []).Order(StringComparer.Ordinal).SequenceEqual(instances),
            CancellationToken.None).Guarded();

    private static TaskMessage NewTask(string topic)
    {
        var now = DateTimeOffset.UtcNow;
        return new TaskMessage(RequestId.New("node-a"), topic, JsonDocument.Parse("{}").RootElement.Clone(), "node-a", now, now.AddMinutes(5), TimeSpan.FromSeconds(10));
    }

    private static List<string> Ids(IEnumerable<TaskMessage> tasks) => tasks.Select(t => t.RequestId.Value).Order(StringComparer.Ordinal).ToList();

    private static string Header(IDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value) && value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : string.Empty;
}
