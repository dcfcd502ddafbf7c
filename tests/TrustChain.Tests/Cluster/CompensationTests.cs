using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Orleans.Core.Internal;
using Orleans.Runtime;
using Orleans.Storage;
using TrustChain.Demo;
using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Telemetry;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Cluster;

/// <summary>
/// Compensation (DESIGN.md, step 7) over Orleans' in-process test cluster: tentative effects are data in the worker
/// grains' state and wait for the dispatcher's decision, which reaches every participant, is acknowledged to the
/// request's grain once, expires when it never comes, and cascades to nested requests. The test sees a decision's
/// acknowledgements arrive through <see cref="RequestGrainCalls"/>. Nothing sleeps; time moves only by hand.
/// </summary>
public sealed class CompensationTests : IAsyncLifetime
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    private readonly List<TrustChainTestCluster> _clusters = [];
    private readonly List<TentativeWorker> _workers = [];
    private readonly RequestGrainCalls _calls = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            worker.Abandon();
        }

        foreach (var cluster in _clusters)
        {
            await cluster.DisposeAsync().AsTask().Guarded();
        }
    }

    [Fact]
    public async Task After_full_success_every_participant_commits_once_and_the_request_records_each_acknowledgement()
    {
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var a = Worker(new TentativeWorker("keeper-a", "keep.run"));
        var b = Worker(new TentativeWorker("keeper-b", "keep.run"));
        await cluster.StartSiloAsync(a).Guarded();
        await cluster.StartSiloAsync(b).Guarded();

        var outcome = await cluster.Client.DispatchAsync("keep.run", Empty).Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal(Decision.Commit, outcome.Decision?.Decision);
        var effects = await Task.WhenAll(a.Committed.Task, b.Committed.Task).Guarded();
        Assert.All(effects, e => Assert.Equal(TentativeWorker.EffectKind, e.Kind));
        var settled = await SettledAsync(cluster.GrainClient, outcome.RequestId, "keeper-a", "keeper-b");
        Assert.Equal(
            [("keeper-a", DecisionAckStatus.Applied, "held by keeper-a"), ("keeper-b", DecisionAckStatus.Applied, "held by keeper-b")],
            settled.Acknowledgements.Select(x => (x.Worker, x.Status, x.Detail)).OrderBy(x => x.Worker, StringComparer.Ordinal));
        Assert.Empty(settled.Unacknowledged);
        Assert.Equal((1, 0, 1, 0), (a.Commits, a.Aborts, b.Commits, b.Aborts));
        // Without an acceptance check the request decided itself as it ended: the dispatcher made no call to decide.
        Assert.DoesNotContain(_calls.CallsTo(outcome.RequestId), c => c.Method == nameof(IRequestGrain.DecideAsync));
    }

    [Fact]
    public async Task A_request_started_without_an_acceptance_check_commits_its_participants_as_it_ends_even_when_nobody_waits_for_it()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cluster = Cluster(time);
        var a = Worker(new TentativeWorker("keeper-a", "keep.run"));
        var b = Worker(new TentativeWorker("keeper-b", "keep.run"));
        await cluster.StartSiloAsync(a).Guarded();
        await cluster.StartSiloAsync(b).Guarded();

        // Started on its grain as the dispatcher starts a request it decides by its rule alone, and then nobody asks
        // for the outcome or decides: as if the dispatcher's process had died right after the start.
        var id = RequestId.New("orphan");
        var now = time.GetUtcNow();
        var task = new TaskMessage(id, "keep.run", Empty, now, now + TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30));
        await cluster.GrainClient.GetGrain<IRequestGrain>(id.Value).StartAsync(task, TimeSpan.FromSeconds(1), decideWhenEnded: true).Guarded();

        await Task.WhenAll(a.Committed.Task, b.Committed.Task).Guarded();
        var settled = await SettledAsync(cluster.GrainClient, id, "keeper-a", "keeper-b");
        Assert.Equal((Decision.Commit, "the request ended Completed"), (settled.Decision, settled.Reason));
        Assert.Equal((1, 0, 1, 0), (a.Commits, a.Aborts, b.Commits, b.Aborts));
    }

    [Fact]
    public async Task A_failed_worker_makes_the_dispatcher_abort_and_every_participant_undoes_its_effect()
    {
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var fine = Worker(new TentativeWorker("fine", "fail.run"));
        var broken = Worker(new TentativeWorker("broken", "fail.run") { FailWith = "out of stock" });
        await cluster.StartSiloAsync(fine).Guarded();
        await cluster.StartSiloAsync(broken).Guarded();

        var outcome = await cluster.Client.DispatchAsync("fail.run", Empty).Guarded();

        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal((Decision.Abort, "the request ended Partial"), (outcome.Decision!.Decision, outcome.Decision.Reason));
        await Task.WhenAll(fine.Aborted.Task, broken.Aborted.Task).Guarded();
        var settled = await SettledAsync(cluster.GrainClient, outcome.RequestId, "fine", "broken");
        Assert.All(settled.Acknowledgements, x => Assert.Equal(DecisionAckStatus.Applied, x.Status));
        Assert.Equal((0, 1, 0, 1), (fine.Commits, fine.Aborts, broken.Commits, broken.Aborts));
    }

    [Fact]
    public async Task A_lost_worker_makes_the_dispatcher_abort_and_stays_visible_as_unacknowledged()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var lease = TimeSpan.FromSeconds(10);
        var cluster = Cluster(time);
        var steady = Worker(new TentativeWorker("steady", "crash.run"));
        var doomed = Worker(new TentativeWorker("doomed", "crash.run") { Blocks = true });
        var owner = await cluster.StartSiloAsync().Guarded();
        await cluster.StartSiloAsync(steady).Guarded();
        var doomedSilo = await cluster.StartSiloAsync(doomed).Guarded();

        IRequestHandle handle;
        using (ClusterRequests.RequestGrainOn(owner))
        {
            handle = await owner.Dispatcher.StartAsync("crash.run", Empty, new DispatchOptions { Timeout = TimeSpan.FromMinutes(1), LeaseDuration = lease }).Guarded();
        }

        await doomed.Recorded.Task.Guarded();
        await _calls.ResultHandled(handle.RequestId, "steady").Guarded();
        await doomedSilo.KillAsync().Guarded();
        time.Advance(lease); // redelivered, but no live silo hosts it
        time.Advance(lease); // lost
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(WorkerResultStatus.Lost, outcome.ResultOf("doomed")!.Status);
        Assert.Equal(Decision.Abort, outcome.Decision?.Decision);
        await steady.Aborted.Task.Guarded();
        await _calls.Acknowledged(handle.RequestId, "steady").Guarded();
        var decision = (await owner.Grains().StateAsync(handle.RequestId)).Snapshot.Decision;
        Assert.NotNull(decision);
        Assert.Equal("steady", Assert.Single(decision.Acknowledgements).Worker);
        Assert.Equal(["doomed"], decision.Unacknowledged);

        // Never committed; an in-process kill may still deactivate the activation at work, which undoes its effect.
        Assert.Equal(0, doomed.Commits);
    }

    [Fact]
    public async Task Cancelling_the_request_aborts_what_finished_and_what_was_still_working()
    {
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var quick = Worker(new TentativeWorker("quick", "cancel.run"));
        var stuck = Worker(new TentativeWorker("stuck", "cancel.run") { Blocks = true });
        await cluster.StartSiloAsync(quick).Guarded();
        await cluster.StartSiloAsync(stuck).Guarded();

        var handle = await cluster.Client.StartAsync("cancel.run", Empty).Guarded();
        await stuck.Recorded.Task.Guarded();
        await _calls.ResultHandled(handle.RequestId, "quick").Guarded();
        handle.Cancel();
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Cancelled, outcome.Status);
        Assert.Equal((Decision.Abort, "the request ended Cancelled"), (outcome.Decision!.Decision, outcome.Decision.Reason));
        await Task.WhenAll(quick.Aborted.Task, stuck.Aborted.Task).Guarded();
        var settled = await SettledAsync(cluster.GrainClient, outcome.RequestId, "quick", "stuck");
        Assert.Equal(
            [("quick", "held by quick"), ("stuck", "held by stuck")],
            settled.Acknowledgements.Select(x => (x.Worker, x.Detail)).OrderBy(x => x.Worker, StringComparer.Ordinal));
        Assert.Equal((0, 1, 0, 1), (quick.Commits, quick.Aborts, stuck.Commits, stuck.Aborts));
    }

    [Fact]
    public async Task When_the_dispatcher_dies_before_deciding_the_tentative_effect_expires_after_its_TTL_and_is_counted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var ttl = TimeSpan.FromMinutes(2);
        var cluster = Cluster(time, o => o.TentativeTtl = ttl);
        var keeper = Worker(new TentativeWorker("orphan-keeper", "orphan.run") { Blocks = true });
        var owner = await cluster.StartSiloAsync().Guarded();
        await cluster.StartSiloAsync(keeper).Guarded();
        using var expired = new MetricCollector<long>(TrustChainTelemetry.Meter, "trustchain.tentative.expired");

        IRequestHandle handle;
        using (ClusterRequests.RequestGrainOn(owner))
        {
            handle = await owner.Dispatcher.StartAsync("orphan.run", Empty, new DispatchOptions { Timeout = TimeSpan.FromMinutes(1) }).Guarded();
        }

        await keeper.Recorded.Task.Guarded();
        await owner.KillAsync().Guarded(); // the dispatcher (and the request's grain) die: no decision will ever come
        keeper.Release.SetResult();
        await _calls.ResultHandled(handle.RequestId, "orphan-keeper").Guarded(); // held before its result left: the TTL runs

        time.Advance(ttl - TimeSpan.FromSeconds(1));
        Assert.False(keeper.Aborted.Task.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var effect = await keeper.Aborted.Task.Guarded();
        Assert.Equal((TentativeWorker.EffectKind, "held by orphan-keeper"), (effect.Kind, effect.Description));
        Assert.Equal((0, 1), (keeper.Commits, keeper.Aborts));
        Assert.Equal(1, expired.GetMeasurementSnapshot().Where(m => Equals(m.Tags["worker"], "orphan-keeper")).Sum(m => m.Value));
    }

    [Fact]
    public async Task A_participant_whose_activation_went_away_after_holding_its_effect_commits_it_when_the_decision_reaches_a_fresh_activation()
    {
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var keeper = Worker(new TentativeWorker("fresh-keeper", "fresh.run"));
        await cluster.StartSiloAsync().Guarded();
        await cluster.StartSiloAsync(keeper).Guarded();

        // The outcome is in, so the part was stored (held before its result left); its activation goes away before
        // the decision is sent, so the decision finds a new activation that must read the part to commit it.
        var options = new DispatchOptions
        {
            AcceptOutcome = outcome =>
            {
                var part = cluster.GrainClient.GetGrain<IWorkerGrain>(GrainId.Create(WorkerCatalog.GrainTypeFor("fresh-keeper"), outcome.RequestId.Value));
                part.Cast<IGrainManagementExtension>().DeactivateOnIdle().AsTask().Guarded().GetAwaiter().GetResult();
                return true;
            },
        };
        var outcome = await cluster.Client.DispatchAsync("fresh.run", Empty, options).Guarded();

        Assert.Equal(Decision.Commit, outcome.Decision?.Decision);
        var effect = await keeper.Committed.Task.Guarded();
        Assert.Equal((TentativeWorker.EffectKind, "held by fresh-keeper"), (effect.Kind, effect.Description));
        var settled = await SettledAsync(cluster.GrainClient, outcome.RequestId, "fresh-keeper");
        Assert.Equal(DecisionAckStatus.Applied, Assert.Single(settled.Acknowledgements).Status);
        Assert.Equal((1, 0), (keeper.Commits, keeper.Aborts));
    }

    [Fact]
    public async Task A_nested_request_joined_under_a_result_stores_no_part_for_its_dispatcher_and_still_takes_the_decision_through_a_fresh_activation()
    {
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var relay = new RelayWorker("level-1", "nest.a", "nest.b");
        var keeper = Worker(new TentativeWorker("level-2", "nest.b"));
        var silo = await cluster.StartSiloAsync(relay, keeper).Guarded();

        // The relay's result carries the child's outcome, so its part is not written; its activation goes away before
        // the decision, which must then name the child for the fresh activation to decide it.
        bool? relayPartStored = null;
        var options = new DispatchOptions
        {
            AcceptOutcome = outcome =>
            {
                var partId = GrainId.Create(WorkerCatalog.GrainTypeFor("level-1"), outcome.RequestId.Value);
                var stored = new GrainState<WorkerPartState>();
                silo.Services.GetRequiredKeyedService<IGrainStorage>(TrustChainOptions.StorageName)
                    .ReadStateAsync("part", partId, stored).Guarded().GetAwaiter().GetResult();
                relayPartStored = stored.RecordExists;
                cluster.Orleans.DeactivateAsync(cluster.GrainClient.GetGrain<IWorkerGrain>(partId)).Guarded().GetAwaiter().GetResult();
                return true;
            },
        };
        var root = await cluster.Client.DispatchAsync("nest.a", Empty, options).Guarded();

        Assert.Equal(Decision.Commit, root.Decision?.Decision);
        Assert.False(relayPartStored);
        var effect = await keeper.Committed.Task.Guarded();
        Assert.Equal("held by level-2", effect.Description);
        var child = Assert.Single(Assert.Single(root.Results).Children);
        var childDecision = await SettledAsync(cluster.GrainClient, child.RequestId, "level-2");
        Assert.Equal((Decision.Commit, $"Commit of {root.RequestId}"), (childDecision.Decision, childDecision.Reason));
        Assert.Equal((1, 0), (keeper.Commits, keeper.Aborts));
    }

    [Fact]
    public async Task A_nested_requests_decision_reaches_its_workers_at_once_and_is_stored_before_its_activation_goes_even_unacknowledged()
    {
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var keeper = Worker(new TentativeWorker("level-2", "nest.b") { CommitGate = Safety.Signal() });
        var silo = await cluster.StartSiloAsync(new RelayWorker("level-1", "nest.a", "nest.b"), keeper).Guarded();

        var root = await cluster.Client.DispatchAsync("nest.a", Empty).Guarded();
        var child = Assert.Single(Assert.Single(root.Results).Children);

        // The child's worker has the decision and holds its acknowledgement, while the child's record has none yet.
        await keeper.Committed.Task.Guarded();
        var childGrain = cluster.GrainClient.GetGrain<IRequestGrain>(child.RequestId.Value);
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(TrustChainOptions.StorageName);
        var before = new GrainState<RequestGrainState>();
        await storage.ReadStateAsync("request", childGrain.GetGrainId(), before).Guarded();
        Assert.Null(before.State?.Record?.Decision);

        // The child's activation goes meanwhile: what it had not stored is stored as it goes.
        await cluster.Orleans.DeactivateAsync(childGrain).Guarded();
        var stored = new GrainState<RequestGrainState>();
        await storage.ReadStateAsync("request", childGrain.GetGrainId(), stored).Guarded();
        Assert.Equal((Decision.Commit, $"Commit of {root.RequestId}"), (stored.State?.Record?.Decision?.Decision, stored.State?.Record?.Decision?.Reason));

        // The acknowledgement, once it comes, finds the decision in the activation that storage brought back.
        keeper.CommitGate!.TrySetResult();
        var settled = await SettledAsync(cluster.GrainClient, child.RequestId, "level-2");
        Assert.Equal((Decision.Commit, DecisionAckStatus.Applied), (settled.Decision, Assert.Single(settled.Acknowledgements).Status));
    }

    [Fact]
    public async Task A_nested_request_under_a_result_the_request_did_not_take_is_aborted_even_when_the_request_commits()
    {
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var keeper = Worker(new TentativeWorker("level-2", "nest.b"));
        await cluster.StartSiloAsync(new RelayWorker("level-1", "nest.a", "nest.b"), keeper).Guarded();

        // Before the real decision, the relay's part is told a Commit whose outcome took another result of the relay's
        // (one naming no nested request), as when a second activation ran the handler again and its result was taken.
        var options = new DispatchOptions
        {
            AcceptOutcome = outcome =>
            {
                var part = cluster.GrainClient.GetGrain<IWorkerGrain>(GrainId.Create(WorkerCatalog.GrainTypeFor("level-1"), outcome.RequestId.Value));
                part.ApplyDecisionAsync(new DecisionMessage(outcome.RequestId, Decision.Commit, "another result taken", Children: [])).Guarded().GetAwaiter().GetResult();
                keeper.Aborted.Task.Guarded().GetAwaiter().GetResult();
                return true;
            },
        };
        var root = await cluster.Client.DispatchAsync("nest.a", Empty, options).Guarded();

        Assert.Equal(Decision.Commit, root.Decision?.Decision);
        var child = Assert.Single(Assert.Single(root.Results).Children);
        var childDecision = await SettledAsync(cluster.GrainClient, child.RequestId, "level-2");
        Assert.Equal((Decision.Abort, $"Abort: not in the outcome of {root.RequestId}"), (childDecision.Decision, childDecision.Reason));
        Assert.Equal((0, 1), (keeper.Commits, keeper.Aborts)); // the real Commit, naming it, came after: a request is decided once
    }

    [Fact]
    public async Task A_duplicate_decision_is_acknowledged_as_already_applied_and_does_nothing_twice()
    {
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var keeper = Worker(new TentativeWorker("keeper", "twice.run"));
        await cluster.StartSiloAsync().Guarded();
        await cluster.StartSiloAsync(keeper).Guarded();

        var outcome = await cluster.Client.DispatchAsync("twice.run", Empty).Guarded();
        await _calls.Acknowledged(outcome.RequestId, "keeper").Guarded();

        // The decision again, as a redelivery or a failover would bring it to the worker's part of the request.
        var part = cluster.GrainClient.GetGrain<IWorkerGrain>(GrainId.Create(WorkerCatalog.GrainTypeFor("keeper"), outcome.RequestId.Value));
        await part.ApplyDecisionAsync(new DecisionMessage(outcome.RequestId, Decision.Commit, "again"));
        await _calls.Acknowledged(outcome.RequestId, "keeper", count: 2).Guarded();
        var request = cluster.GrainClient.GetGrain<IRequestGrain>(outcome.RequestId.Value);
        Assert.False(await request.DecideAsync(Decision.Abort, "changed my mind")); // a request is decided once

        var state = await cluster.GrainClient.StateAsync(outcome.RequestId);
        Assert.Equal(
            [DecisionAckStatus.Applied, DecisionAckStatus.AlreadyApplied],
            state.Events.Where(e => e.Kind == RequestEventKind.DecisionApplied).Select(e => e.AckStatus!.Value));
        Assert.Equal(DecisionAckStatus.Applied, Assert.Single(state.Snapshot.Decision!.Acknowledgements).Status);
        Assert.Equal(Decision.Commit, state.Snapshot.Decision.Decision);
        Assert.Equal((1, 0), (keeper.Commits, keeper.Aborts));
    }

    [Fact]
    public async Task A_worker_that_only_dispatched_a_nested_request_forgets_its_part_once_the_decision_reached_the_child_instead_of_lingering_for_the_TTL()
    {
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        await cluster.StartSiloAsync(new RelayWorker("level-1", "nest.a", "nest.b"), new ProbeWorker("level-2", "nest.b")).Guarded();

        var root = await cluster.Client.DispatchAsync("nest.a", Empty).Guarded();
        await _calls.Acknowledged(root.RequestId, "level-1").Guarded();
        var child = Assert.Single(Assert.Single(root.Results).Children);
        var childState = await cluster.GrainClient.StateAsync(child.RequestId);

        // The decision again: a part still held for the TTL would answer AlreadyApplied; a forgotten one holds nothing.
        var part = cluster.GrainClient.GetGrain<IWorkerGrain>(GrainId.Create(WorkerCatalog.GrainTypeFor("level-1"), root.RequestId.Value));
        await part.ApplyDecisionAsync(new DecisionMessage(root.RequestId, Decision.Commit, "again"));
        await _calls.Acknowledged(root.RequestId, "level-1", count: 2).Guarded();

        Assert.Equal(Decision.Commit, root.Decision?.Decision);
        Assert.Equal((Decision.Commit, $"Commit of {root.RequestId}"), (childState.Snapshot.Decision?.Decision, childState.Snapshot.Decision?.Reason));
        var state = await cluster.GrainClient.StateAsync(root.RequestId);
        Assert.Equal(
            [DecisionAckStatus.Applied, DecisionAckStatus.Applied],
            state.Events.Where(e => e.Kind == RequestEventKind.DecisionApplied).Select(e => e.AckStatus!.Value));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_decision_cascades_three_levels_deep_and_a_child_commits_only_when_the_root_commits(bool rootAccepts)
    {
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var level1 = Worker(new TentativeWorker("level-1", "nest.a") { Next = "nest.b" });
        var level2 = Worker(new TentativeWorker("level-2", "nest.b") { Next = "nest.c" });
        var level3 = Worker(new TentativeWorker("level-3", "nest.c"));
        await cluster.StartSiloAsync(level1, level3).Guarded();
        await cluster.StartSiloAsync(level2).Guarded();

        // Every level succeeds; refusing the root's outcome (all or nothing) must still undo every level.
        var root = await cluster.Client.DispatchAsync("nest.a", Empty, new DispatchOptions { AcceptOutcome = _ => rootAccepts }).Guarded();

        var expected = rootAccepts ? Decision.Commit : Decision.Abort;
        Assert.Equal(RequestStatus.Completed, root.Status);
        Assert.Equal(expected, root.Decision?.Decision);
        var b = await level1.ChildOutcome.Task.Guarded();
        var c = await level2.ChildOutcome.Task.Guarded();
        Assert.Equal((RequestStatus.Completed, RequestStatus.Completed), (b.Status, c.Status));
        Assert.Null(b.Decision); // a nested request does not decide for itself

        foreach (var level in new[] { level1, level2, level3 })
        {
            await (rootAccepts ? level.Committed.Task : level.Aborted.Task).Guarded();
            Assert.Equal(rootAccepts ? (1, 0) : (0, 1), (level.Commits, level.Aborts));
        }

        await SettledAsync(cluster.GrainClient, root.RequestId, "level-1");
        var bDecision = await SettledAsync(cluster.GrainClient, b.RequestId, "level-2");
        var cDecision = await SettledAsync(cluster.GrainClient, c.RequestId, "level-3");
        Assert.Equal((expected, expected), (bDecision.Decision, cDecision.Decision));
        Assert.Equal($"{expected} of {root.RequestId}", bDecision.Reason);
        Assert.Equal($"{expected} of {b.RequestId}", cDecision.Reason);
        Assert.Equal("level-3", Assert.Single(cDecision.Acknowledgements).Worker);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_demo_warehouses_confirm_their_reservations_on_commit_and_release_them_on_abort(bool fraudFails)
    {
        var cluster = Cluster(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var silos = new[] { await cluster.StartDemoSiloAsync().Guarded(), await cluster.StartDemoSiloAsync().Guarded() };
        var order = new OrderPlaced
        {
            OrderId = "o-7",
            CustomerId = "c-1",
            Amount = 1500,
            Items = [new OrderItem("A-1", 2), new OrderItem("B-7", 1)],
            Fail = fraudFails ? [FraudWorker.WorkerName] : null,
        };

        var outcome = await cluster.Client.DispatchAsync(DemoTopics.OrderPlaced, order).Guarded();
        await SettledAsync(cluster.GrainClient, outcome.RequestId, [.. outcome.Results.Select(r => r.Worker)]);
        var reservation = Assert.Single(outcome.ResultOf(InventoryWorker.WorkerName)!.Children);
        var stock = await SettledAsync(cluster.GrainClient, reservation.RequestId, WarehouseAWorker.WorkerName, WarehouseBWorker.WorkerName);

        // Each silo has its own ledger; a reservation is held, confirmed or released where its worker grain lives.
        var ledgers = silos.Select(s => s.Services.GetRequiredService<ReservationLedger>()).ToList();
        Assert.Equal(fraudFails ? Decision.Abort : Decision.Commit, stock.Decision);
        Assert.Equal(
            [(WarehouseAWorker.WorkerName, "reserved A-1 x2"), (WarehouseBWorker.WorkerName, "reserved B-7 x1")],
            stock.Acknowledgements.Select(a => (a.Worker, a.Detail!)).OrderBy(a => a.Worker, StringComparer.Ordinal));
        var reservations = ledgers.SelectMany(l => l.Snapshot()).ToList();
        if (fraudFails)
        {
            Assert.Empty(reservations);
            Assert.Equal(2, ledgers.Sum(l => l.Released));
        }
        else
        {
            Assert.Equal(
                [(WarehouseAWorker.WorkerName, ReservationLedger.ReservationState.Confirmed), (WarehouseBWorker.WorkerName, ReservationLedger.ReservationState.Confirmed)],
                reservations.Where(r => r.OrderId == "o-7").Select(r => (r.Warehouse, r.State)).OrderBy(r => r.Warehouse, StringComparer.Ordinal));
            Assert.Equal(0, ledgers.Sum(l => l.Released));
        }
    }

    private TrustChainTestCluster Cluster(FakeTimeProvider time, Action<TrustChainOptions>? configure = null)
    {
        var cluster = new TrustChainTestCluster(time, configure, services: _calls.AddTo);
        _clusters.Add(cluster);
        return cluster;
    }

    private TentativeWorker Worker(TentativeWorker worker)
    {
        _workers.Add(worker);
        return worker;
    }

    /// <summary>The request's decision once each of <paramref name="participants"/> has acknowledged it.</summary>
    private async Task<RequestDecision> SettledAsync(IGrainFactory grains, RequestId id, params string[] participants)
    {
        await Task.WhenAll(participants.Select(p => _calls.Acknowledged(id, p))).Guarded();
        var decision = (await grains.StateAsync(id)).Snapshot.Decision;
        Assert.NotNull(decision);
        Assert.Empty(decision.Unacknowledged);
        return decision;
    }
}
