using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TrustChain.Demo;
using TrustChain.Serialization;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Cluster;

/// <summary>
/// The protocol (DESIGN.md, lifecycle steps 1–6 and 8) over Orleans' in-process test cluster: request grains, worker
/// grains scripted per silo, silos stopped and killed mid-request.
/// </summary>
/// <remarks>
/// Nothing here sleeps or measures time. Tests wait on signals raised by their workers, on the replies request grains
/// have handled (<see cref="RequestGrainCalls"/>) and on outcomes; where time must pass (interest window, lease,
/// deadline) the <see cref="FakeTimeProvider"/> every grain runs on is advanced once the state it acts on has been
/// reached, and where it must not pass the clock is simply never advanced. Every wait is guarded by
/// <see cref="Safety.Timeout"/> so that a bug fails the test instead of hanging the run.
/// </remarks>
public sealed class ProtocolTests : IAsyncLifetime
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    private readonly List<TrustChainTestCluster> _clusters = [];
    private readonly List<ProbeWorker> _probes = [];
    private readonly RequestGrainCalls _calls = new();

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
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        await cluster.StartDemoSiloAsync().Guarded();
        await cluster.StartDemoSiloAsync().Guarded();
        var order = new OrderPlaced
        {
            OrderId = "o-1",
            CustomerId = "c-1",
            Amount = 1500,
            Items = [new OrderItem("A-1", 2), new OrderItem("B-7", 1)],
        };

        // The aggregator folds in the request's grain, on whichever silo it lives: an outside client gets the summary.
        var outcome = await cluster.Client.DispatchAsync(DemoTopics.OrderPlaced, order).Guarded();

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
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        await cluster.StartDemoSiloAsync().Guarded();
        await cluster.StartDemoSiloAsync().Guarded();

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
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cluster = Cluster(time);
        var fast = Probe(new ProbeWorker("fast", "race.run"));
        var slow = Probe(new ProbeWorker("slow", "race.run") { InterestGate = Safety.Signal<bool>() });
        await cluster.StartSiloAsync(fast).Guarded();
        await cluster.StartSiloAsync(slow).Guarded();

        var handle = await cluster.Client.StartAsync("race.run", Empty).Guarded();
        await slow.InterestAsked.Task.Guarded(); // the slow worker holds the task and has not declared yet
        await _calls.ResultHandled(handle.RequestId, "fast").Guarded(); // the fast one declared, worked, and its result is in

        // The seed's "pop until the list is empty" would answer here, with the fast worker only.
        Assert.False((await cluster.GrainClient.StateAsync(handle.RequestId)).Ended);
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
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var window = TimeSpan.FromSeconds(1);
        var cluster = Cluster(time);
        var prompt = Probe(new ProbeWorker("prompt", "late.run") { Blocks = true });
        var late = Probe(new ProbeWorker("late", "late.run") { InterestGate = Safety.Signal<bool>() });
        await cluster.StartSiloAsync(prompt).Guarded();
        await cluster.StartSiloAsync(late).Guarded();

        var handle = await cluster.Client.StartAsync("late.run", Empty, new DispatchOptions { InterestWindow = window }).Guarded();
        await late.InterestAsked.Task.Guarded();
        await prompt.Started.Task.Guarded(); // interested and accepted, still working: the request stays open

        time.Advance(window);
        late.InterestGate!.SetResult(true);
        await _calls.VerdictHandled(handle.RequestId, "late").Guarded(); // answered: refused

        Assert.False((await cluster.GrainClient.StateAsync(handle.RequestId)).Ended);
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
    public async Task A_worker_whose_only_silo_is_killed_while_it_works_is_Lost_at_its_second_lease_lapse_and_the_request_ends_Partial()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var lease = TimeSpan.FromSeconds(10);
        var cluster = Cluster(time);
        var doomed = Probe(new ProbeWorker("doomed", "crash.run") { Blocks = true });
        var steady = Probe(new ProbeWorker("steady", "crash.run"));
        var owner = await cluster.StartSiloAsync().Guarded();
        var doomedSilo = await cluster.StartSiloAsync(doomed).Guarded();
        await cluster.StartSiloAsync(steady).Guarded();

        IRequestHandle handle;
        using (ClusterRequests.RequestGrainOn(owner))
        {
            handle = await owner.Dispatcher.StartAsync("crash.run", Empty, new DispatchOptions { Timeout = TimeSpan.FromMinutes(1), LeaseDuration = lease }).Guarded();
        }

        await doomed.Started.Task.Guarded(); // declared, accepted, working
        await _calls.ResultHandled(handle.RequestId, "steady").Guarded();
        await doomedSilo.KillAsync().Guarded(); // until membership has declared it dead

        Assert.False((await owner.Grains().StateAsync(handle.RequestId)).Ended);
        time.Advance(lease); // first lapse: the task goes to the worker once more, but no live silo hosts it
        time.Advance(lease); // second lapse: lost
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(WorkerResultStatus.Succeeded, outcome.ResultOf("steady")!.Status);
        var lost = outcome.ResultOf("doomed");
        Assert.NotNull(lost);
        Assert.Equal(WorkerResultStatus.Lost, lost.Status);
        Assert.Null(lost.Payload);
        Assert.Equal(lost.InterestedAt + lease + lease, lost.CompletedAt);
        Assert.Equal(lost.CompletedAt, outcome.CompletedAt); // it ends on the lease, not on the deadline
        var journal = (await owner.Grains().StateAsync(handle.RequestId)).Events;
        Assert.Equal(
            [(RequestEventKind.Redelivered, lost.InterestedAt + lease), (RequestEventKind.LeaseLost, lost.InterestedAt + lease + lease)],
            journal.Where(e => e.Worker == "doomed" && e.Kind is RequestEventKind.Redelivered or RequestEventKind.LeaseLost).Select(e => (e.Kind, e.At)));
        Assert.Equal(1, doomed.HandleCalls);
    }

    [Fact]
    public async Task A_silo_killed_while_its_worker_works_has_the_task_redelivered_to_the_worker_on_a_live_silo_and_the_request_completes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var lease = TimeSpan.FromSeconds(10);
        var cluster = Cluster(time);
        var a = Probe(new ProbeWorker("mover", "move.run") { Instance = "a", Blocks = true });
        var b = Probe(new ProbeWorker("mover", "move.run") { Instance = "b", Blocks = true });
        var owner = await cluster.StartSiloAsync().Guarded();
        var siloA = await cluster.StartSiloAsync(a).Guarded();
        var siloB = await cluster.StartSiloAsync(b).Guarded();

        IRequestHandle handle;
        using (ClusterRequests.RequestGrainOn(owner))
        {
            handle = await owner.Dispatcher.StartAsync("move.run", Empty, new DispatchOptions { Timeout = TimeSpan.FromMinutes(1), LeaseDuration = lease }).Guarded();
        }

        var (taker, takerSilo, survivor) = await FirstToStartAsync((a, siloA), (b, siloB));
        survivor.Release.SetResult(); // the survivor finishes as soon as the task reaches it
        await takerSilo.KillAsync().Guarded();

        Assert.False((await owner.Grains().StateAsync(handle.RequestId)).Ended);
        time.Advance(lease); // the lease lapses once: the task goes to the worker again, on a live silo
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        var result = Assert.Single(outcome.Results);
        Assert.Equal(WorkerResultStatus.Succeeded, result.Status);
        Assert.Equal(survivor.Instance, TrustChainJson.FromElement<ProbeResult>(result.Payload!.Value)!.Instance);
        Assert.Equal(result.InterestedAt + lease, outcome.CompletedAt);
        Assert.Equal(1, taker.HandleCalls);
        Assert.Equal(1, survivor.HandleCalls);
        var journal = (await owner.Grains().StateAsync(handle.RequestId)).Events;
        Assert.Single(journal, e => e.Kind == RequestEventKind.Redelivered && e.Worker == "mover");
    }

    [Fact]
    public async Task A_request_whose_grain_dies_with_its_silo_resumes_from_its_persisted_state_on_a_live_silo_and_still_ends_for_its_caller()
    {
        // Grain state outside the silos, as Redis keeps it in a cluster: memory grain storage dies with the silo
        // holding its storage grain.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cluster = Cluster(time, storage: new SharedGrainStorage());
        var worker = Probe(new ProbeWorker("mover", "move.run") { Blocks = true });
        var caller = await cluster.StartSiloAsync().Guarded();
        var doomed = await cluster.StartSiloAsync().Guarded();
        await cluster.StartSiloAsync(worker).Guarded();

        IRequestHandle handle;
        using (ClusterRequests.RequestGrainOn(doomed))
        {
            handle = await caller.Dispatcher.StartAsync("move.run", Empty, new DispatchOptions { Timeout = TimeSpan.FromMinutes(1) }).Guarded();
        }

        await worker.Started.Task.Guarded(); // interest accepted and persisted by the grain on the doomed silo
        await doomed.KillAsync().Guarded();
        worker.Release.SetResult(); // its result activates the request's grain again, on a live silo
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        var result = Assert.Single(outcome.Results);
        Assert.Equal(("mover", WorkerResultStatus.Succeeded), (result.Worker, result.Status));
        Assert.Equal(Decision.Commit, outcome.Decision?.Decision);
        Assert.Equal(1, worker.HandleCalls);
        var journal = (await caller.Grains().StateAsync(handle.RequestId)).Events;
        Assert.Equal(
            [RequestEventKind.Dispatched, RequestEventKind.Verdict, RequestEventKind.InterestClosed, RequestEventKind.Result, RequestEventKind.Completed, RequestEventKind.Decided],
            journal.Select(e => e.Kind).Where(k => k != RequestEventKind.DecisionApplied));
    }

    [Fact]
    public async Task A_worker_that_throws_has_its_result_Failed_with_the_message_and_the_request_ends_Partial()
    {
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var fine = Probe(new ProbeWorker("fine", "fail.run"));
        var broken = Probe(new ProbeWorker("broken", "fail.run") { FailWith = "the printer is on fire" });
        await cluster.StartSiloAsync(fine).Guarded();
        await cluster.StartSiloAsync(broken).Guarded();

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
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var timeout = TimeSpan.FromSeconds(5);
        var cluster = Cluster(time);
        var quick = Probe(new ProbeWorker("quick", "deadline.run"));
        var stuck = Probe(new ProbeWorker("stuck", "deadline.run") { Blocks = true });
        await cluster.StartSiloAsync(quick).Guarded();
        await cluster.StartSiloAsync(stuck).Guarded();

        var handle = await cluster.Client.StartAsync("deadline.run", Empty, new DispatchOptions { Timeout = timeout }).Guarded();
        await stuck.Started.Task.Guarded();
        await _calls.ResultHandled(handle.RequestId, "quick").Guarded();
        Assert.False((await cluster.GrainClient.StateAsync(handle.RequestId)).Ended);

        time.Advance(timeout);
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.TimedOut, outcome.Status);
        Assert.Equal(outcome.DispatchedAt + timeout, outcome.CompletedAt);
        Assert.Equal(WorkerResultStatus.Succeeded, outcome.ResultOf("quick")!.Status);
        Assert.Equal(WorkerResultStatus.TimedOut, outcome.ResultOf("stuck")!.Status);
        await stuck.Cancelled.Task.Guarded();
    }

    [Fact]
    public async Task A_request_whose_deadline_is_longer_than_the_Orleans_response_timeout_ends_for_its_caller_and_its_nested_request_inherits_that_deadline()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var timeout = TimeSpan.FromMinutes(2);
        var step = TimeSpan.FromSeconds(20); // longer than every wait of a caller on a grain (WatchPollWait, 15 s)

        // Leases long enough that no step lets one lapse: this test is about the callers' waits.
        var cluster = Cluster(time, o => o.LeaseDuration = TimeSpan.FromMinutes(10));
        var level1 = new RelayWorker("level-1", "nest.a", "nest.b", childTimeout: TimeSpan.FromMinutes(5));
        var level2 = Probe(new ProbeWorker("level-2", "nest.b") { Blocks = true });
        await cluster.StartSiloAsync(level1).Guarded();
        await cluster.StartSiloAsync(level2).Guarded();

        var handle = await cluster.Client.StartAsync("nest.a", Empty, new DispatchOptions { Timeout = timeout }).Guarded();
        var ctx1 = await level1.Started.Task.Guarded();
        var ctx2 = await level2.Started.Task.Guarded();
        Assert.Equal(ctx1.Deadline, ctx2.Deadline); // asked for five minutes, got what its parent had left

        // Past Orleans' 30 s response timeout, in grain time: each step ends both callers' waits empty (the client's
        // outside, the relaying worker's inside) and each asks again. A wait is on the grain's clock, so it never ends
        // on its own between steps.
        var waits = 1;
        await Task.WhenAll(_calls.OutcomeWaitsBegun(handle.RequestId, waits), _calls.OutcomeWaitsBegun(ctx2.RequestId, waits)).Guarded();
        for (var elapsed = TimeSpan.Zero; elapsed + step < timeout; elapsed += step)
        {
            time.Advance(step);
            waits++;
            await Task.WhenAll(_calls.OutcomeWaitsBegun(handle.RequestId, waits), _calls.OutcomeWaitsBegun(ctx2.RequestId, waits)).Guarded();
        }

        Assert.False((await cluster.GrainClient.StateAsync(handle.RequestId)).Ended);
        Assert.False((await cluster.GrainClient.StateAsync(ctx2.RequestId)).Ended);
        time.Advance(step);
        var root = await handle.Outcome.Guarded();
        var child = await level1.ChildOutcome.Task.Guarded();

        Assert.Equal(RequestStatus.TimedOut, root.Status);
        Assert.Equal(root.DispatchedAt + timeout, root.CompletedAt);
        Assert.Equal(ctx1.Deadline, root.CompletedAt);
        Assert.Equal((RequestStatus.TimedOut, root.CompletedAt, root.RequestId), (child.Status, child.CompletedAt, child.ParentRequestId));
        Assert.Equal(WorkerResultStatus.TimedOut, child.ResultOf("level-2")!.Status);
        await level2.Cancelled.Task.Guarded();
    }

    [Fact]
    public async Task Three_levels_of_nesting_join_under_the_dispatching_workers_and_no_child_outlives_its_parent()
    {
        var rootTimeout = TimeSpan.FromSeconds(20);
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));

        // Level 1 asks for a longer deadline than it has left; level 2 asks for none (the node's default, longer too).
        var level1 = new RelayWorker("level-1", "nest.a", "nest.b", childTimeout: TimeSpan.FromMinutes(1));
        var level2 = new RelayWorker("level-2", "nest.b", "nest.c");
        var level3 = Probe(new ProbeWorker("level-3", "nest.c"));
        await cluster.StartSiloAsync(level1, level3).Guarded();
        await cluster.StartSiloAsync(level2).Guarded();

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
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var level1 = new RelayWorker("level-1", "nest.a", "nest.b");
        var level2 = new RelayWorker("level-2", "nest.b", "nest.c");
        var level3 = Probe(new ProbeWorker("level-3", "nest.c") { Blocks = true });
        await cluster.StartSiloAsync(level1, level3).Guarded();
        await cluster.StartSiloAsync(level2).Guarded();

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
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var timeout = TimeSpan.FromSeconds(5);
        var cluster = Cluster(time);
        var level1 = new RelayWorker("level-1", "nest.a", "nest.b");
        var level2 = new RelayWorker("level-2", "nest.b", "nest.c");
        var level3 = Probe(new ProbeWorker("level-3", "nest.c") { Blocks = true });
        await cluster.StartSiloAsync(level1, level3).Guarded();
        await cluster.StartSiloAsync(level2).Guarded();

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
    public async Task Stopping_a_silo_mid_task_stops_its_work_and_the_task_goes_to_the_worker_on_another_silo_once_the_lease_lapses()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var lease = TimeSpan.FromSeconds(10);
        var cluster = Cluster(time);
        var a = Probe(new ProbeWorker("mover", "stop.run") { Instance = "a", Blocks = true });
        var b = Probe(new ProbeWorker("mover", "stop.run") { Instance = "b", Blocks = true });
        var owner = await cluster.StartSiloAsync().Guarded();
        var siloA = await cluster.StartSiloAsync(a).Guarded();
        var siloB = await cluster.StartSiloAsync(b).Guarded();

        IRequestHandle handle;
        using (ClusterRequests.RequestGrainOn(owner))
        {
            handle = await owner.Dispatcher.StartAsync("stop.run", Empty, new DispatchOptions { Timeout = TimeSpan.FromMinutes(1), LeaseDuration = lease }).Guarded();
        }

        var (taker, takerSilo, survivor) = await FirstToStartAsync((a, siloA), (b, siloB));
        survivor.Release.SetResult();
        await takerSilo.StopAsync().Guarded();
        await taker.Cancelled.Task.Guarded(); // the stopping silo stopped the work it held

        Assert.False((await owner.Grains().StateAsync(handle.RequestId)).Ended);
        time.Advance(lease);
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        var result = Assert.Single(outcome.Results);
        Assert.Equal(survivor.Instance, TrustChainJson.FromElement<ProbeResult>(result.Payload!.Value)!.Instance);
        Assert.Equal(1, survivor.HandleCalls);
        Assert.False(takerSilo.IsRunning);
    }

    [Fact]
    public async Task The_expected_workers_of_a_request_are_those_the_live_silos_host_not_every_worker_grain_class_the_silos_reference()
    {
        // Every silo references the grain classes of subset-a, subset-b and subset-c (all subscribed to subset.run), but
        // TrustChain:Workers makes each host only the workers it is given: nobody hosts gamma.
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var siloA = await cluster.StartSiloAsync(Probe(new ProbeWorker("subset-a", "subset.run"))).Guarded();
        var siloB = await cluster.StartSiloAsync(Probe(new ProbeWorker("subset-b", "subset.run"))).Guarded();

        var catalog = siloA.Services.GetRequiredService<WorkerCatalog>();
        Assert.Equal(["subset-a", "subset-b"], catalog.WorkersFor("subset.run"));
        Assert.Equal([siloA.Handle.SiloAddress.ToParsableString()], Assert.Single(catalog.Workers, w => w.Worker == "subset-a").Silos);
        Assert.Equal([siloB.Handle.SiloAddress.ToParsableString()], Assert.Single(catalog.Workers, w => w.Worker == "subset-b").Silos);
        Assert.DoesNotContain(catalog.Workers, w => w.Worker == "subset-c");

        var both = await cluster.Client.DispatchAsync("subset.run", Empty).Guarded();

        Assert.Equal(RequestStatus.Completed, both.Status); // had gamma been expected, its silence would make it Partial
        Assert.Null(both.Silent);
        Assert.Equal(["subset-a", "subset-b"], both.Verdicts.Select(v => v.Worker).Order(StringComparer.Ordinal));

        // The expected set follows membership: once beta's only silo is gone, a new request expects alpha alone.
        await siloB.StopAsync().Guarded();
        Assert.Equal(["subset-a"], catalog.WorkersFor("subset.run"));
        var alone = await siloA.Dispatcher.DispatchAsync("subset.run", Empty).Guarded();

        Assert.Equal(RequestStatus.Completed, alone.Status);
        Assert.Equal("subset-a", Assert.Single(alone.Verdicts).Worker);
        var dispatched = Assert.Single((await siloA.Grains().StateAsync(alone.RequestId)).Events, e => e.Kind == RequestEventKind.Dispatched);
        Assert.Equal(["subset-a"], dispatched.Expected);
    }

    private TrustChainTestCluster Cluster(FakeTimeProvider time, Action<TrustChainOptions>? configure = null, SharedGrainStorage? storage = null)
    {
        var cluster = new TrustChainTestCluster(time, configure, services: services =>
        {
            _calls.AddTo(services);
            storage?.AddTo(services);
        });
        _clusters.Add(cluster);
        return cluster;
    }

    private ProbeWorker Probe(ProbeWorker probe)
    {
        _probes.Add(probe);
        return probe;
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
