using System.Text.Json;
using TrustChain.Hosting;
using TrustChain.Serialization;
using TrustChain.Silo.Demo;
using TrustChain.Testing;

namespace TrustChain.Tests.Cluster;

/// <summary>
/// The protocol (DESIGN.md, lifecycle steps 1–6 and 8) over a cluster of silos, whatever engine moves the messages.
/// An engine runs this suite unchanged by deriving from it and saying how to build a cluster on it.
/// </summary>
/// <remarks>
/// Nothing here sleeps or measures time. Tests wait on signals raised by their workers and on outcomes; where time
/// must pass (interest window, lease, deadline) a <see cref="ManualTimeProvider"/> is advanced once the state it
/// acts on has been reached, and where it must not pass the clock is simply never advanced. Every wait is guarded
/// by <see cref="Safety.Timeout"/> so that a bug fails the test instead of hanging the run.
/// </remarks>
public abstract class ProtocolTests : IAsyncLifetime
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    private readonly List<TrustChainTestCluster> _clusters = [];
    private readonly List<ProbeWorker> _probes = [];

    /// <summary>A cluster on the engine under test, not started. The suite starts silos and disposes it.</summary>
    /// <param name="time">The clock of every silo; null for the system clock.</param>
    /// <param name="configure">Settings applied to every silo.</param>
    protected abstract TrustChainTestCluster CreateCluster(TimeProvider? time = null, Action<TrustChainOptions>? configure = null);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // A failed test may leave workers blocked; let them go so that silos can stop.
        foreach (var probe in _probes)
        {
            probe.Abandon();
        }

        foreach (var cluster in _clusters)
        {
            await cluster.DisposeAsync().AsTask().Guarded();
        }
    }

    [Fact]
    public async Task A_demo_order_over_two_silos_completes_with_every_result_the_nested_reservation_and_the_summary()
    {
        var cluster = Cluster(new ManualTimeProvider());
        var silo = await cluster.StartSiloAsync(b => b.AddDemoWorkers()).Guarded();
        await cluster.StartSiloAsync(b => b.AddDemoWorkers()).Guarded();
        var order = new OrderPlaced
        {
            OrderId = "o-1",
            CustomerId = "c-1",
            Amount = 1500,
            Items = [new OrderItem("A-1", 2), new OrderItem("B-7", 1)],
        };

        // The aggregator folds on the dispatching node, so dispatch from a node that hosts it, as the API does.
        var outcome = await silo.Dispatcher.DispatchAsync(DemoTopics.OrderPlaced, order).Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal(
            [FraudWorker.WorkerName, InventoryWorker.WorkerName, LoyaltyWorker.WorkerName],
            outcome.Results.Select(r => r.Worker).Order(StringComparer.Ordinal));
        Assert.All(outcome.Results, r => Assert.Equal(WorkerResultStatus.Succeeded, r.Status));

        var fraud = Payload<FraudWorker.Assessment>(outcome, FraudWorker.WorkerName);
        Assert.Equal(new FraudWorker.Assessment("medium", 0.15m), fraud);
        var loyalty = Payload<LoyaltyWorker.Points>(outcome, LoyaltyWorker.WorkerName);
        Assert.Equal(new LoyaltyWorker.Points("c-1", 150), loyalty);
        var inventory = Payload<InventoryWorker.Reservation>(outcome, InventoryWorker.WorkerName);
        Assert.True(inventory.Complete);
        Assert.Equal(["A-1", "B-7"], inventory.Reserved.Select(i => i.Sku).Order(StringComparer.Ordinal));
        Assert.Empty(inventory.Unavailable);

        var reservation = Assert.Single(outcome.ResultOf(InventoryWorker.WorkerName)!.Children);
        Assert.Equal(DemoTopics.StockReserve, reservation.Topic);
        Assert.Equal(RequestStatus.Completed, reservation.Status);
        Assert.Equal(outcome.RequestId, reservation.ParentRequestId);
        Assert.Equal([new OrderItem("A-1", 2)], Payload<WarehouseWorker.Reserved>(reservation, WarehouseAWorker.WorkerName).Items);
        Assert.Equal([new OrderItem("B-7", 1)], Payload<WarehouseWorker.Reserved>(reservation, WarehouseBWorker.WorkerName).Items);
        Assert.Empty(outcome.ResultOf(FraudWorker.WorkerName)!.Children);

        Assert.NotNull(outcome.Combined);
        var summary = TrustChainJson.FromElement<OrderSummaryAggregator.Summary>(outcome.Combined.Value)!;
        Assert.True(summary.Approved);
        Assert.Equal("medium", summary.Risk);
        Assert.Equal(150, summary.Points);
        Assert.Equal(["A-1", "B-7"], summary.Reserved.Select(i => i.Sku).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_order_nobody_wants_ends_NoInterest_as_soon_as_every_subscriber_declined_without_the_window_passing()
    {
        // The clock never moves: if the outcome waited for the interest window, it would never come.
        var cluster = Cluster(new ManualTimeProvider());
        await cluster.StartSiloAsync(b => b.AddDemoWorkers()).Guarded();
        await cluster.StartSiloAsync(b => b.AddDemoWorkers()).Guarded();

        var outcome = await cluster.Client.DispatchAsync(DemoTopics.OrderPlaced, new OrderPlaced { Amount = 0 }).Guarded();

        Assert.Equal(RequestStatus.NoInterest, outcome.Status);
        Assert.Empty(outcome.Results);
        Assert.Equal(
            [FraudWorker.WorkerName, InventoryWorker.WorkerName, LoyaltyWorker.WorkerName],
            outcome.Verdicts.Select(v => v.Worker).Order(StringComparer.Ordinal));
        Assert.All(outcome.Verdicts, v => Assert.False(v.Interested));
        Assert.Equal(outcome.DispatchedAt, outcome.InterestClosedAt);
        Assert.Equal(outcome.DispatchedAt, outcome.CompletedAt);
    }

    [Fact]
    public async Task A_fast_worker_that_replies_before_a_slow_one_declares_does_not_end_the_request_without_the_slow_one()
    {
        var time = new ManualTimeProvider();
        var cluster = Cluster(time, o => o.WorkerConcurrency = 1);
        var fast = Probe(new ProbeWorker("fast", "race.run"));
        var slow = Probe(new ProbeWorker("slow", "race.run") { InterestGate = Safety.Signal<bool>() });
        await cluster.StartSiloAsync(b => b.AddWorker(fast)).Guarded();
        await cluster.StartSiloAsync(b => b.AddWorker(slow)).Guarded();

        var handle = await cluster.Client.StartAsync("race.run", Empty).Guarded();
        await slow.InterestAsked.Task.Guarded(); // the slow worker holds the task and has not declared yet
        await fast.Started.Task.Guarded();       // the fast one declared and was accepted
        await BarrierAsync(cluster, fast);       // ... and its result has reached the grain

        // The seed's "pop until the list is empty" would answer here, with the fast worker only.
        Assert.False(handle.Outcome.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1)); // well inside the window: only to order what follows in time
        slow.InterestGate!.SetResult(true);
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal(["fast", "slow"], outcome.Results.Select(r => r.Worker).Order(StringComparer.Ordinal));
        Assert.All(outcome.Results, r => Assert.Equal(WorkerResultStatus.Succeeded, r.Status));
        var slowVerdict = Assert.Single(outcome.Verdicts, v => v.Worker == "slow");
        Assert.True(outcome.ResultOf("fast")!.CompletedAt < slowVerdict.At, "the fast worker's result must have been accepted before the slow one declared");
        Assert.Equal(1, slow.HandleCalls);
    }

    [Fact]
    public async Task A_verdict_after_the_interest_window_is_refused_the_worker_never_works_and_the_outcome_lists_it()
    {
        var time = new ManualTimeProvider();
        var window = TimeSpan.FromSeconds(1);
        var cluster = Cluster(time, o => o.WorkerConcurrency = 1);
        var prompt = Probe(new ProbeWorker("prompt", "late.run") { Blocks = true });
        var late = Probe(new ProbeWorker("late", "late.run") { InterestGate = Safety.Signal<bool>() });
        await cluster.StartSiloAsync(b => b.AddWorker(prompt)).Guarded();
        await cluster.StartSiloAsync(b => b.AddWorker(late)).Guarded();

        var handle = await cluster.Client.StartAsync("late.run", Empty, new DispatchOptions { InterestWindow = window }).Guarded();
        await late.InterestAsked.Task.Guarded();
        await prompt.Started.Task.Guarded(); // interested and accepted, still working: the request stays open

        time.Advance(window);
        late.InterestGate!.SetResult(true);
        await BarrierAsync(cluster, late); // the late worker's task has been handled to the end: it was answered

        Assert.False(handle.Outcome.IsCompleted);
        prompt.Release.SetResult();
        var outcome = await handle.Outcome.Guarded();

        // Its verdict came too late: it counts as silent, and silence is not consent.
        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(["late"], outcome.Silent);
        var result = Assert.Single(outcome.Results);
        Assert.Equal("prompt", result.Worker);
        Assert.DoesNotContain(outcome.Verdicts, v => v.Worker == "late");
        var rejected = Assert.Single(outcome.Rejected);
        Assert.Equal(("late", "verdict", RejectionReason.InterestClosed), (rejected.Worker, rejected.Kind, rejected.Reason));
        Assert.Equal(0, late.HandleCalls);
        Assert.Equal(outcome.DispatchedAt + window, outcome.InterestClosedAt);
    }

    [Fact]
    public async Task A_worker_whose_only_instance_dies_while_working_is_Lost_when_its_lease_runs_out_and_the_request_ends_Partial()
    {
        var time = new ManualTimeProvider();
        var lease = TimeSpan.FromSeconds(10);
        var cluster = Cluster(time, o => o.WorkerConcurrency = 1);
        var doomed = Probe(new ProbeWorker("doomed", "crash.run") { Blocks = true });
        var steady = Probe(new ProbeWorker("steady", "crash.run"));
        var doomedSilo = await cluster.StartSiloAsync(b => b.AddWorker(doomed)).Guarded();
        await cluster.StartSiloAsync(b => b.AddWorker(steady)).Guarded();

        var handle = await cluster.Client.StartAsync("crash.run", Empty, new DispatchOptions { Timeout = TimeSpan.FromMinutes(1), LeaseDuration = lease }).Guarded();
        await doomed.Started.Task.Guarded(); // declared, accepted, working
        await BarrierAsync(cluster, steady); // the other worker's result is in
        doomedSilo.Kill();

        Assert.False(handle.Outcome.IsCompleted);
        time.Advance(lease + TimeSpan.FromSeconds(1));
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(WorkerResultStatus.Succeeded, outcome.ResultOf("steady")!.Status);
        var lost = outcome.ResultOf("doomed");
        Assert.NotNull(lost);
        Assert.Equal(WorkerResultStatus.Lost, lost.Status);
        Assert.Null(lost.Payload);
        Assert.Equal(lost.InterestedAt + lease, lost.CompletedAt);
        Assert.Equal(lost.CompletedAt, outcome.CompletedAt); // it ends on the lease, not on the deadline
    }

    [Fact]
    public async Task A_task_whose_instance_dies_while_working_is_redelivered_to_another_instance_and_the_request_completes()
    {
        // The clock never moves: no lease can run out, so only redelivery can complete the request.
        var cluster = Cluster(new ManualTimeProvider());
        var a = Probe(new ProbeWorker("mover", "move.run") { Instance = "a", Blocks = true });
        var b = Probe(new ProbeWorker("mover", "move.run") { Instance = "b", Blocks = true });
        var siloA = await cluster.StartSiloAsync(x => x.AddWorker(a)).Guarded();
        var siloB = await cluster.StartSiloAsync(x => x.AddWorker(b)).Guarded();

        var handle = await cluster.Client.StartAsync("move.run", Empty).Guarded();
        var (taker, takerSilo, survivor) = await FirstToStartAsync((a, siloA), (b, siloB));
        survivor.Release.SetResult(); // the survivor finishes as soon as the task reaches it
        takerSilo.Kill();
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        var result = Assert.Single(outcome.Results);
        Assert.Equal(WorkerResultStatus.Succeeded, result.Status);
        Assert.Equal(survivor.Instance, TrustChainJson.FromElement<ProbeResult>(result.Payload!.Value)!.Instance);
        Assert.Equal(1, taker.HandleCalls);
        Assert.Equal(1, survivor.HandleCalls);
    }

    [Fact]
    public async Task A_worker_that_throws_has_its_result_Failed_with_the_message_and_the_request_ends_Partial()
    {
        var cluster = Cluster(new ManualTimeProvider());
        var fine = Probe(new ProbeWorker("fine", "fail.run"));
        var broken = Probe(new ProbeWorker("broken", "fail.run") { FailWith = "the printer is on fire" });
        await cluster.StartSiloAsync(b => b.AddWorker(fine)).Guarded();
        await cluster.StartSiloAsync(b => b.AddWorker(broken)).Guarded();

        var outcome = await cluster.Client.DispatchAsync("fail.run", Empty).Guarded();

        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(WorkerResultStatus.Succeeded, outcome.ResultOf("fine")!.Status);
        var failed = outcome.ResultOf("broken");
        Assert.NotNull(failed);
        Assert.Equal(WorkerResultStatus.Failed, failed.Status);
        Assert.Contains("the printer is on fire", failed.Error, StringComparison.Ordinal);
        Assert.Null(failed.Payload);
    }

    [Fact]
    public async Task The_deadline_ends_the_request_TimedOut_with_what_arrived_and_cancels_the_worker_still_at_it()
    {
        var time = new ManualTimeProvider();
        var timeout = TimeSpan.FromSeconds(5);
        var cluster = Cluster(time, o => o.WorkerConcurrency = 1);
        var quick = Probe(new ProbeWorker("quick", "deadline.run"));
        var stuck = Probe(new ProbeWorker("stuck", "deadline.run") { Blocks = true });
        await cluster.StartSiloAsync(b => b.AddWorker(quick)).Guarded();
        await cluster.StartSiloAsync(b => b.AddWorker(stuck)).Guarded();

        var handle = await cluster.Client.StartAsync("deadline.run", Empty, new DispatchOptions { Timeout = timeout }).Guarded();
        await stuck.Started.Task.Guarded();
        await BarrierAsync(cluster, quick); // the quick worker's result has arrived
        Assert.False(handle.Outcome.IsCompleted);

        time.Advance(timeout);
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.TimedOut, outcome.Status);
        Assert.Equal(outcome.DispatchedAt + timeout, outcome.CompletedAt);
        Assert.Equal(WorkerResultStatus.Succeeded, outcome.ResultOf("quick")!.Status);
        Assert.Equal(WorkerResultStatus.TimedOut, outcome.ResultOf("stuck")!.Status);
        await stuck.Cancelled.Task.Guarded();
    }

    [Fact]
    public async Task Three_levels_of_nesting_join_under_the_dispatching_workers_and_no_child_outlives_its_parent()
    {
        var rootTimeout = TimeSpan.FromSeconds(20);
        var cluster = Cluster(new ManualTimeProvider());

        // Level 1 asks for a longer deadline than it has left; level 2 asks for none (the node's default, longer too).
        var level1 = new RelayWorker("level-1", "nest.a", "nest.b", childTimeout: TimeSpan.FromMinutes(1));
        var level2 = new RelayWorker("level-2", "nest.b", "nest.c");
        var level3 = Probe(new ProbeWorker("level-3", "nest.c"));
        await cluster.StartSiloAsync(b => b.AddWorker(level1).AddWorker(level3)).Guarded();
        await cluster.StartSiloAsync(b => b.AddWorker(level2)).Guarded();

        var root = await cluster.Client.DispatchAsync("nest.a", Empty, new DispatchOptions { Timeout = rootTimeout }).Guarded();

        Assert.Equal(RequestStatus.Completed, root.Status);
        var r1 = Assert.Single(root.Results);
        Assert.Equal(("level-1", WorkerResultStatus.Succeeded), (r1.Worker, r1.Status));
        var b = Assert.Single(r1.Children);
        Assert.Equal(("nest.b", RequestStatus.Completed, root.RequestId), (b.Topic, b.Status, b.ParentRequestId));
        var r2 = Assert.Single(b.Results);
        Assert.Equal(("level-2", WorkerResultStatus.Succeeded), (r2.Worker, r2.Status));
        var c = Assert.Single(r2.Children);
        Assert.Equal(("nest.c", RequestStatus.Completed, b.RequestId), (c.Topic, c.Status, c.ParentRequestId));
        var r3 = Assert.Single(c.Results);
        Assert.Equal(("level-3", WorkerResultStatus.Succeeded), (r3.Worker, r3.Status));
        Assert.Empty(r3.Children);

        var ctx1 = await level1.Started.Task.Guarded();
        var ctx2 = await level2.Started.Task.Guarded();
        var ctx3 = await level3.Started.Task.Guarded();
        Assert.Equal(root.DispatchedAt + rootTimeout, ctx1.Deadline);
        Assert.Equal(ctx1.Deadline, ctx2.Deadline); // asked for a minute, got what its parent had left
        Assert.True(ctx3.Deadline <= ctx2.Deadline);
        Assert.Equal((root.RequestId, b.RequestId, c.RequestId), (ctx1.RequestId, ctx2.RequestId, ctx3.RequestId));
        Assert.Equal(ctx1.RequestId, ctx2.ParentRequestId);
        Assert.Equal(ctx2.RequestId, ctx3.ParentRequestId);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Cancelling_the_root_cancels_the_third_level_worker_and_every_level_ends_Cancelled(bool byHandle)
    {
        var cluster = Cluster(new ManualTimeProvider());
        var level1 = new RelayWorker("level-1", "nest.a", "nest.b");
        var level2 = new RelayWorker("level-2", "nest.b", "nest.c");
        var level3 = Probe(new ProbeWorker("level-3", "nest.c") { Blocks = true });
        await cluster.StartSiloAsync(b => b.AddWorker(level1).AddWorker(level3)).Guarded();
        await cluster.StartSiloAsync(b => b.AddWorker(level2)).Guarded();

        using var cancellation = new CancellationTokenSource();
        Task<RequestOutcome> rootOutcome;
        Action cancel;
        if (byHandle)
        {
            var handle = await cluster.Client.StartAsync("nest.a", Empty).Guarded();
            rootOutcome = handle.Outcome;
            cancel = handle.Cancel;
        }
        else
        {
            rootOutcome = cluster.Client.DispatchAsync("nest.a", Empty, cancellationToken: cancellation.Token);
            cancel = cancellation.Cancel;
        }

        await level3.Started.Task.Guarded();
        Assert.False(rootOutcome.IsCompleted);
        cancel();

        var root = await rootOutcome.Guarded();
        await level3.Cancelled.Task.Guarded();
        var b = await level1.ChildOutcome.Task.Guarded();
        var c = await level2.ChildOutcome.Task.Guarded();

        Assert.Equal(RequestStatus.Cancelled, root.Status);
        Assert.Equal(WorkerResultStatus.Cancelled, root.ResultOf("level-1")!.Status);
        Assert.Equal(RequestStatus.Cancelled, b.Status);
        Assert.Equal(RequestStatus.Cancelled, c.Status);
        Assert.Equal(WorkerResultStatus.Cancelled, c.ResultOf("level-3")!.Status);
        Assert.Equal(root.RequestId, b.ParentRequestId);
        Assert.Equal(b.RequestId, c.ParentRequestId);
    }

    [Fact]
    public async Task The_root_deadline_times_out_every_level_and_reaches_the_third_level_worker()
    {
        var time = new ManualTimeProvider();
        var timeout = TimeSpan.FromSeconds(5);
        var cluster = Cluster(time);
        var level1 = new RelayWorker("level-1", "nest.a", "nest.b");
        var level2 = new RelayWorker("level-2", "nest.b", "nest.c");
        var level3 = Probe(new ProbeWorker("level-3", "nest.c") { Blocks = true });
        await cluster.StartSiloAsync(b => b.AddWorker(level1).AddWorker(level3)).Guarded();
        await cluster.StartSiloAsync(b => b.AddWorker(level2)).Guarded();

        var handle = await cluster.Client.StartAsync("nest.a", Empty, new DispatchOptions { Timeout = timeout }).Guarded();
        var ctx3 = await level3.Started.Task.Guarded();
        Assert.Equal((await level1.Started.Task.Guarded()).Deadline, ctx3.Deadline);

        time.Advance(timeout);
        var root = await handle.Outcome.Guarded();
        await level3.Cancelled.Task.Guarded();
        var b = await level1.ChildOutcome.Task.Guarded();
        var c = await level2.ChildOutcome.Task.Guarded();

        Assert.Equal(RequestStatus.TimedOut, root.Status);
        Assert.Equal(RequestStatus.TimedOut, b.Status);
        Assert.Equal(RequestStatus.TimedOut, c.Status);
        Assert.Equal(WorkerResultStatus.TimedOut, c.ResultOf("level-3")!.Status);
    }

    [Fact]
    public async Task Stopping_a_silo_gracefully_lets_the_task_in_progress_finish_and_its_result_count()
    {
        var cluster = Cluster(new ManualTimeProvider(), o => o.ShutdownGracePeriod = TimeSpan.FromMinutes(10));
        var worker = Probe(new ProbeWorker("finisher", "stop.run") { Blocks = true });
        var silo = await cluster.StartSiloAsync(b => b.AddWorker(worker)).Guarded();

        var handle = await cluster.Client.StartAsync("stop.run", Empty).Guarded();
        await worker.Started.Task.Guarded();
        var stopping = silo.StopAsync();

        Assert.False(stopping.IsCompleted); // it waits for the task in progress
        worker.Release.SetResult();
        await stopping.Guarded();
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal(WorkerResultStatus.Succeeded, Assert.Single(outcome.Results).Status);
        Assert.False(worker.Cancelled.Task.IsCompleted);
        Assert.False(silo.IsRunning);
    }

    [Fact]
    public async Task Stopping_a_silo_whose_grace_period_runs_out_hands_the_task_back_to_another_instance()
    {
        // No grace at all: the task in progress goes back to its queue at once, and the other instance finishes it.
        var cluster = Cluster(new ManualTimeProvider(), o => o.ShutdownGracePeriod = TimeSpan.Zero);
        var a = Probe(new ProbeWorker("mover", "stop.run") { Instance = "a", Blocks = true });
        var b = Probe(new ProbeWorker("mover", "stop.run") { Instance = "b", Blocks = true });
        var siloA = await cluster.StartSiloAsync(x => x.AddWorker(a)).Guarded();
        var siloB = await cluster.StartSiloAsync(x => x.AddWorker(b)).Guarded();

        var handle = await cluster.Client.StartAsync("stop.run", Empty).Guarded();
        var (taker, takerSilo, survivor) = await FirstToStartAsync((a, siloA), (b, siloB));
        survivor.Release.SetResult();
        await takerSilo.StopAsync().Guarded();
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        var result = Assert.Single(outcome.Results);
        Assert.Equal(survivor.Instance, TrustChainJson.FromElement<ProbeResult>(result.Payload!.Value)!.Instance);
        await taker.Cancelled.Task.Guarded(); // the stopping silo stopped the work it handed back
        Assert.Equal(1, survivor.HandleCalls);
    }

    private TrustChainTestCluster Cluster(TimeProvider? time = null, Action<TrustChainOptions>? configure = null)
    {
        var cluster = CreateCluster(time, configure);
        _clusters.Add(cluster);
        return cluster;
    }

    private ProbeWorker Probe(ProbeWorker probe)
    {
        _probes.Add(probe);
        return probe;
    }

    /// <summary>
    /// Dispatches on the worker's barrier topic and waits for its NoInterest. With one instance taking one task at a
    /// time, this returns only after the worker's earlier task was handled to the end (verdict answered, result sent),
    /// and, since the barrier verdict left the same node after it, after the owner processed what that task sent.
    /// That last step holds when the engine delivers one node's messages to another in the order they were sent (one
    /// mailbox per node in memory, one reply queue per node on RabbitMQ, consumed in order). An engine that reordered
    /// them would make the tests that stage a state with this barrier nondeterministic.
    /// </summary>
    private static async Task BarrierAsync(TrustChainTestCluster cluster, ProbeWorker worker)
    {
        var barrier = await cluster.Client.DispatchAsync(worker.BarrierTopic, Empty).Guarded();
        Assert.Equal(RequestStatus.NoInterest, barrier.Status);
    }

    /// <summary>Waits for whichever instance took the task; returns it, its silo, and the other instance.</summary>
    private static async Task<(ProbeWorker Taker, TestSilo TakerSilo, ProbeWorker Other)> FirstToStartAsync(
        (ProbeWorker Worker, TestSilo Silo) a, (ProbeWorker Worker, TestSilo Silo) b)
    {
        var first = await Task.WhenAny(a.Worker.Started.Task, b.Worker.Started.Task).Guarded();
        return first == a.Worker.Started.Task ? (a.Worker, a.Silo, b.Worker) : (b.Worker, b.Silo, a.Worker);
    }

    private static T Payload<T>(RequestOutcome outcome, string worker)
    {
        var result = outcome.ResultOf(worker);
        Assert.NotNull(result);
        Assert.NotNull(result.Payload);
        return TrustChainJson.FromElement<T>(result.Payload.Value)!;
    }
}
