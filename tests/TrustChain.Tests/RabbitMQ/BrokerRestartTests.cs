using TrustChain.Serialization;
using TrustChain.Silo.Demo;
using TrustChain.Tests.Cluster;
using Xunit.Abstractions;

namespace TrustChain.Tests.RabbitMQ;

[Collection(BrokerRestartTestsDefinition.Name)]
public sealed class BrokerRestartTests(RabbitMqBroker broker, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Long enough for a broker restart; still a bound, so that a bug fails instead of hanging.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Interest closes on verdicts and leases outlive the outage: what the test checks is delivery, not the windows a
    /// deployment would tune. The silos' nested requests get the same settings.
    /// </summary>
    private static readonly Dictionary<string, string> Patient = new()
    {
        ["TrustChain__InterestWindow"] = "00:01:00",
        ["TrustChain__LeaseDuration"] = "00:01:00",
        ["TrustChain__DefaultTimeout"] = "00:03:00",
    };

    private readonly string _prefix = RabbitMqBroker.NewPrefix();
    private readonly List<NodeProcess> _processes = [];

    public RabbitMqBroker Broker { get; } = broker;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
            output.WriteLine($"--- {process.Name} ---{Environment.NewLine}{process.Output}");
        }

        await RabbitMqBroker.DeleteAsync(new(_prefix), DemoWorkersExtensions.All, _processes.Select(p => p.Name));
    }

    [Fact]
    public async Task A_broker_restarted_during_a_run_of_requests_loses_no_confirmed_task_and_every_process_reconnects_by_itself()
    {
        List<NodeProcess> silos = [Track(NodeProcess.StartSilo("silo-a", _prefix, settings: Patient)), Track(NodeProcess.StartSilo("silo-b", _prefix, settings: Patient))];
        await using var dispatcher = await DispatcherNode.StartAsync(_prefix, o =>
        {
            o.InterestWindow = TimeSpan.FromMinutes(1);
            o.LeaseDuration = TimeSpan.FromMinutes(1);
            o.DefaultTimeout = TimeSpan.FromMinutes(3);
        });
        await dispatcher.WaitForWorkersAsync(DemoWorkersExtensions.All, "silo-a", "silo-b");

        // Confirmed before the restart, and still being worked on (loyalty and warehouse-a take 3 s) while it happens.
        var before = new List<IRequestHandle>();
        for (var i = 0; i < 8; i++)
        {
            before.Add(await dispatcher.Dispatcher.StartAsync(DemoTopics.OrderPlaced, TrustChainJson.ToElement(Order($"before-{i}"))).WaitAsync(Patience));
        }

        await RabbitMqBroker.RabbitmqctlAsync("stop_app");

        // Dispatched while the broker is down: each waits for the connection to come back and for its confirm.
        var during = Enumerable.Range(0, 8)
            .Select(i => Task.Run(() => dispatcher.Dispatcher.DispatchAsync(DemoTopics.OrderPlaced, Order($"during-{i}"))))
            .ToList();

        await RabbitMqBroker.RabbitmqctlAsync("start_app");
        await RabbitMqBroker.RabbitmqctlAsync("await_startup");

        var outcomes = await Task.WhenAll(before.Select(h => h.Outcome).Concat(during)).WaitAsync(Patience);

        Assert.All(outcomes, outcome =>
        {
            Assert.Equal(RequestStatus.Completed, outcome.Status);
            Assert.Equal(
                [FraudWorker.WorkerName, InventoryWorker.WorkerName, LoyaltyWorker.WorkerName],
                outcome.Verdicts.Where(v => v.Interested).Select(v => v.Worker).Order(StringComparer.Ordinal));
            Assert.All(outcome.Results, r => Assert.Equal(WorkerResultStatus.Succeeded, r.Status));
            var reservation = TrustChainJson.FromElement<InventoryWorker.Reservation>(outcome.ResultOf(InventoryWorker.WorkerName)!.Payload!.Value)!;
            Assert.True(reservation.Complete, $"{outcome.RequestId}: the nested reservation lost a warehouse");
        });

        // Everyone came back by themselves: the silos are the same processes, and they serve a new request.
        Assert.All(silos, s => Assert.False(s.HasExited));
        foreach (var silo in silos)
        {
            await silo.WaitForOutputAsync(l => l.Contains("Reconnected to RabbitMQ", StringComparison.Ordinal));
        }

        Assert.True(dispatcher.Transport.IsConnected);
        await dispatcher.WaitForWorkersAsync(DemoWorkersExtensions.All, "silo-a", "silo-b");
        var after = await dispatcher.Dispatcher.DispatchAsync(DemoTopics.OrderPlaced, Order("after")).WaitAsync(Patience);
        Assert.Equal(RequestStatus.Completed, after.Status);
    }

    private static OrderPlaced Order(string id) => new()
    {
        OrderId = id,
        CustomerId = "c-1",
        Amount = 1500,
        Items = [new OrderItem("A-1", 1), new OrderItem("B-2", 1)],
        WorkMs = new Dictionary<string, int> { [LoyaltyWorker.WorkerName] = 3000, [WarehouseAWorker.WorkerName] = 3000 },
    };

    private NodeProcess Track(NodeProcess process)
    {
        _processes.Add(process);
        return process;
    }
}
