using System.Net.Http.Json;
using System.Text.Json;
using TrustChain.Messages;
using TrustChain.Serialization;
using TrustChain.Silo.Demo;
using TrustChain.Testing;
using TrustChain.Tests.Cluster;
using Xunit.Abstractions;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>
/// Silos as real processes on the real broker, killed with <c>kill -9</c>. One at a time (a collection), since two
/// cores running four .NET processes each is load enough.
/// </summary>
[Collection(ProcessTestsDefinition.Name)]
public sealed class ProcessFaultTests(RabbitMqBroker broker, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] OrderWorkers = [FraudWorker.WorkerName, InventoryWorker.WorkerName, LoyaltyWorker.WorkerName];

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
    public async Task The_demo_order_through_the_API_process_and_two_silo_processes_has_the_same_outcome_as_on_the_embedded_engine()
    {
        const string order = """
            { "orderId": "o-1", "customerId": "c-1", "amount": 1500,
              "items": [ { "sku": "A-1", "qty": 2 }, { "sku": "B-7", "qty": 1 } ] }
            """;
        var embedded = await EmbeddedOutcomeAsync(JsonDocument.Parse(order).RootElement);

        // Interest closes on the verdicts, not because a loaded machine let a one-second window pass: on the API for
        // the order, and on the silos for the reservation inventory dispatches from there.
        var patient = new Dictionary<string, string> { ["TrustChain__InterestWindow"] = "00:01:00", ["TrustChain__DefaultTimeout"] = "00:02:00" };
        Track(NodeProcess.StartSilo("silo-a", _prefix, settings: patient));
        Track(NodeProcess.StartSilo("silo-b", _prefix, settings: patient));
        var api = Track(NodeProcess.StartApi("api", _prefix, patient));
        using var http = new HttpClient { BaseAddress = await api.WaitForUrlAsync(), Timeout = Safety.Timeout };
        await WaitUntilTheApiKnowsAsync(http, DemoWorkersExtensions.All, "silo-a", "silo-b");

        using var response = await http.PostAsync(new Uri("requests/order.placed", UriKind.Relative), new StringContent(order, System.Text.Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        var distributed = (await response.Content.ReadFromJsonAsync<RequestOutcome>(TrustChainJson.Options))!;

        Assert.Equal(RequestStatus.Completed, distributed.Status);
        Assert.Equal(Shape(embedded), Shape(distributed));
        var reservation = Assert.Single(distributed.ResultOf(InventoryWorker.WorkerName)!.Children);
        Assert.True(RequestId.Parse(reservation.RequestId.Value).Owner is "silo-a" or "silo-b", "the nested request is owned by the silo whose inventory dispatched it");
    }

    [Fact]
    public async Task A_silo_killed_mid_task_has_its_task_redelivered_to_the_other_instance_and_the_request_completes()
    {
        // Renewals every 3 s; the work (8 s) outlasts the first one, so the instance that took the task is still at
        // it when it is killed, and the other one renews well inside the 9 s lease once the task reaches it.
        var lease = TimeSpan.FromSeconds(9);
        var silos = new Dictionary<string, NodeProcess>
        {
            ["silo-a"] = Silo("silo-a", LoyaltyWorker.WorkerName),
            ["silo-b"] = Silo("silo-b", LoyaltyWorker.WorkerName),
        };
        await using var dispatcher = await Dispatcher();
        await dispatcher.WaitForWorkersAsync([LoyaltyWorker.WorkerName], "silo-a", "silo-b");

        var order = new OrderPlaced { OrderId = "o-2", CustomerId = "c-2", Amount = 10, WorkMs = new Dictionary<string, int> { [LoyaltyWorker.WorkerName] = 8000 } };
        var handle = await dispatcher.Dispatcher.StartAsync(DemoTopics.OrderPlaced, TrustChainJson.ToElement(order), new DispatchOptions { LeaseDuration = lease, Timeout = TimeSpan.FromMinutes(1) }).Guarded();

        // A renewal proves which instance holds the task and that it is working on it.
        var renewal = (LeaseRenewal)await dispatcher.Tap.WaitForAsync(m => m is LeaseRenewal r && r.RequestId == handle.RequestId);
        var survivor = silos.Keys.Single(k => k != renewal.Instance);
        silos[renewal.Instance].Kill();

        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        var loyalty = Assert.Single(outcome.Results);
        Assert.Equal((LoyaltyWorker.WorkerName, WorkerResultStatus.Succeeded), (loyalty.Worker, loyalty.Status));
        var result = Assert.Single(dispatcher.Tap.Received.OfType<ResultMessage>(), r => r.RequestId == handle.RequestId);
        Assert.Equal(survivor, result.Instance);
        Assert.Contains(dispatcher.Tap.Received, m => m is VerdictMessage { Interested: true } v && v.Instance == survivor && v.RequestId == handle.RequestId);
    }

    [Fact]
    public async Task A_silo_killed_mid_task_with_no_other_instance_ends_the_request_Partial_with_that_worker_Lost_before_its_deadline()
    {
        var lease = TimeSpan.FromSeconds(3);
        var deadline = TimeSpan.FromMinutes(1);
        var silo = Silo("silo-a", LoyaltyWorker.WorkerName, FraudWorker.WorkerName);
        await using var dispatcher = await Dispatcher();
        await dispatcher.WaitForWorkersAsync([LoyaltyWorker.WorkerName, FraudWorker.WorkerName], "silo-a");

        var order = new OrderPlaced { OrderId = "o-3", CustomerId = "c-3", Amount = 2000, WorkMs = new Dictionary<string, int> { [LoyaltyWorker.WorkerName] = 60_000 } };
        var handle = await dispatcher.Dispatcher.StartAsync(DemoTopics.OrderPlaced, TrustChainJson.ToElement(order), new DispatchOptions { LeaseDuration = lease, Timeout = deadline }).Guarded();
        await dispatcher.Tap.WaitForAsync(m => m is ResultMessage { Worker: "fraud" } r && r.RequestId == handle.RequestId);
        await dispatcher.Tap.WaitForAsync(m => m is LeaseRenewal { Worker: "loyalty", Instance: "silo-a" } r && r.RequestId == handle.RequestId);
        silo.Kill();

        // The safety timeout (30 s) is shorter than the deadline (60 s): only the lease can end it in time.
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.True(outcome.CompletedAt < outcome.DispatchedAt + deadline);
        Assert.Equal(WorkerResultStatus.Succeeded, outcome.ResultOf(FraudWorker.WorkerName)!.Status);
        var lost = outcome.ResultOf(LoyaltyWorker.WorkerName);
        Assert.NotNull(lost);
        Assert.Equal(WorkerResultStatus.Lost, lost.Status);
        Assert.Null(lost.Payload);
    }

    private NodeProcess Silo(string nodeId, params string[] workers) => Track(NodeProcess.StartSilo(nodeId, _prefix, workers));

    private NodeProcess Track(NodeProcess process)
    {
        _processes.Add(process);
        return process;
    }

    /// <summary>Interest closes on the verdicts here, never because a loaded machine let the window pass.</summary>
    private Task<DispatcherNode> Dispatcher() => DispatcherNode.StartAsync(_prefix, o => o.InterestWindow = TimeSpan.FromSeconds(30));

    /// <summary>Polls the API process's readiness report (an external process; 503 until it knows a worker) until it lists the workers on those nodes.</summary>
    private static async Task WaitUntilTheApiKnowsAsync(HttpClient http, IEnumerable<string> workers, params string[] nodes)
    {
        using var deadline = new CancellationTokenSource(Safety.Timeout);
        while (true)
        {
            deadline.Token.ThrowIfCancellationRequested();
            using var health = await http.GetAsync(new Uri("readyz", UriKind.Relative), deadline.Token);
            var report = await health.Content.ReadFromJsonAsync<JsonElement>(deadline.Token);
            var known = report.GetProperty("checks").GetProperty("trustchain").GetProperty("data").GetProperty("workers").EnumerateArray()
                .ToDictionary(w => w.GetProperty("worker").GetString()!, w => w.GetProperty("instances").EnumerateArray().Select(i => i.GetString()!).Order(StringComparer.Ordinal).ToArray());
            if (workers.All(w => known.TryGetValue(w, out var instances) && instances.SequenceEqual(nodes.Order(StringComparer.Ordinal))))
            {
                return;
            }

            await Task.Yield();
        }
    }

    private static async Task<RequestOutcome> EmbeddedOutcomeAsync(JsonElement order)
    {
        await using var cluster = new TrustChainTestCluster(new ManualTimeProvider());
        var silo = await cluster.StartSiloAsync(b => b.AddDemoWorkers()).Guarded();
        await cluster.StartSiloAsync(b => b.AddDemoWorkers()).Guarded();
        return await silo.Dispatcher.DispatchAsync(DemoTopics.OrderPlaced, order).Guarded();
    }

    /// <summary>What must not depend on the engine: statuses, workers, payloads, nesting and the combined value.</summary>
    private static string Shape(RequestOutcome outcome) => JsonSerializer.Serialize(ShapeOf(outcome), TrustChainJson.Options);

    private static object ShapeOf(RequestOutcome outcome) => new
    {
        outcome.Topic,
        outcome.Status,
        Verdicts = outcome.Verdicts.Select(v => (v.Worker, v.Interested)).Order().Select(v => $"{v.Worker}:{v.Interested}"),
        Results = outcome.Results.OrderBy(r => r.Worker, StringComparer.Ordinal).Select(r => new
        {
            r.Worker,
            r.Status,
            Payload = Normalize(r.Payload),
            r.Error,
            Children = r.Children.Select(ShapeOf),
        }),
        Rejected = outcome.Rejected.Count,
        Combined = Normalize(outcome.Combined),
    };

    /// <summary>Lists inside payloads come in the order replies arrived; compare them as sets.</summary>
    private static string? Normalize(JsonElement? element) => element is { } e ? Canonical(e) : null;

    private static string Canonical(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name}:{Canonical(p.Value)}")) + "}",
        JsonValueKind.Array => "[" + string.Join(",", element.EnumerateArray().Select(Canonical).Order(StringComparer.Ordinal)) + "]",
        _ => element.GetRawText(),
    };
}
