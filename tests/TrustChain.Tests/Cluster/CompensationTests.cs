using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TrustChain.Hosting;
using TrustChain.Messages;
using TrustChain.Runtime;
using TrustChain.Silo.Demo;
using TrustChain.Testing;

namespace TrustChain.Tests.Cluster;

/// <summary>
/// Compensation (DESIGN.md, step 7) over a cluster of silos, whatever engine moves the messages: tentative effects
/// wait for the dispatcher's decision, which reaches every participant, is acknowledged once, expires when it never
/// comes, and cascades to nested requests. Requests are dispatched from a silo without workers, whose registry the
/// test reads to see the decision and its acknowledgements arrive. Nothing sleeps; time moves only by hand.
/// </summary>
public abstract class CompensationTests : IAsyncLifetime
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    private readonly List<TrustChainTestCluster> _clusters = [];
    private readonly List<TentativeWorker> _workers = [];

    protected abstract TrustChainTestCluster CreateCluster(TimeProvider? time = null, Action<TrustChainOptions>? configure = null);

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
    public async Task After_full_success_every_participant_commits_once_and_the_owner_records_each_acknowledgement()
    {
        var cluster = Cluster(new ManualTimeProvider());
        var a = Worker(new TentativeWorker("keeper-a", "keep.run"));
        var b = Worker(new TentativeWorker("keeper-b", "keep.run"));
        var owner = await cluster.StartSiloAsync(_ => { }).Guarded();
        await cluster.StartSiloAsync(x => x.AddWorker(a)).Guarded();
        await cluster.StartSiloAsync(x => x.AddWorker(b)).Guarded();

        var outcome = await owner.Dispatcher.DispatchAsync("keep.run", Empty).Guarded();

        Assert.Equal(RequestStatus.Completed, outcome.Status);
        Assert.Equal(Decision.Commit, outcome.Decision?.Decision);
        await Task.WhenAll(a.Committed.Task, b.Committed.Task).Guarded();
        var settled = await SettledAsync(owner, outcome.RequestId);
        Assert.Equal(
            [("keeper-a", DecisionAckStatus.Applied, "held by keeper-a"), ("keeper-b", DecisionAckStatus.Applied, "held by keeper-b")],
            settled.Decision!.Acknowledgements.Select(x => (x.Worker, x.Status, x.Detail)).OrderBy(x => x.Worker, StringComparer.Ordinal));
        Assert.Equal((1, 0, 1, 0), (a.Commits, a.Aborts, b.Commits, b.Aborts));
    }

    [Fact]
    public async Task A_failed_worker_makes_the_dispatcher_abort_and_every_participant_undoes_its_effect()
    {
        var cluster = Cluster(new ManualTimeProvider());
        var fine = Worker(new TentativeWorker("fine", "fail.run"));
        var broken = Worker(new TentativeWorker("broken", "fail.run") { FailWith = "out of stock" });
        var owner = await cluster.StartSiloAsync(_ => { }).Guarded();
        await cluster.StartSiloAsync(x => x.AddWorker(fine)).Guarded();
        await cluster.StartSiloAsync(x => x.AddWorker(broken)).Guarded();

        var outcome = await owner.Dispatcher.DispatchAsync("fail.run", Empty).Guarded();

        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal((Decision.Abort, "the request ended Partial"), (outcome.Decision!.Decision, outcome.Decision.Reason));
        await Task.WhenAll(fine.Aborted.Task, broken.Aborted.Task).Guarded();
        var settled = await SettledAsync(owner, outcome.RequestId);
        Assert.All(settled.Decision!.Acknowledgements, x => Assert.Equal(DecisionAckStatus.Applied, x.Status));
        Assert.Equal((0, 1, 0, 1), (fine.Commits, fine.Aborts, broken.Commits, broken.Aborts));
    }

    [Fact]
    public async Task A_lost_worker_makes_the_dispatcher_abort_and_stays_visible_as_unacknowledged()
    {
        var time = new ManualTimeProvider();
        var lease = TimeSpan.FromSeconds(10);
        var cluster = Cluster(time, o => o.WorkerConcurrency = 1);
        var steady = Worker(new TentativeWorker("steady", "crash.run"));
        var doomed = Worker(new TentativeWorker("doomed", "crash.run") { Blocks = true });
        var owner = await cluster.StartSiloAsync(_ => { }).Guarded();
        await cluster.StartSiloAsync(x => x.AddWorker(steady)).Guarded();
        var doomedSilo = await cluster.StartSiloAsync(x => x.AddWorker(doomed)).Guarded();

        var handle = await owner.Dispatcher.StartAsync("crash.run", Empty, new DispatchOptions { Timeout = TimeSpan.FromMinutes(1), LeaseDuration = lease }).Guarded();
        await doomed.Recorded.Task.Guarded();
        await BarrierAsync(cluster, steady);
        doomedSilo.Kill();
        time.Advance(lease + TimeSpan.FromSeconds(1));
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(Decision.Abort, outcome.Decision?.Decision);
        await steady.Aborted.Task.Guarded();
        var state = await Activation(owner, outcome.RequestId).WaitForAsync(o => o.Decision?.Acknowledgements.Count == 1).Guarded();
        Assert.Equal("steady", Assert.Single(state.Decision!.Acknowledgements).Worker);
        Assert.Equal(["doomed"], state.Decision.Unacknowledged);
        Assert.Equal(0, doomed.Commits);
    }

    [Fact]
    public async Task Cancelling_the_request_aborts_what_finished_and_what_was_still_working()
    {
        var cluster = Cluster(new ManualTimeProvider(), o => o.WorkerConcurrency = 1);
        var quick = Worker(new TentativeWorker("quick", "cancel.run"));
        var stuck = Worker(new TentativeWorker("stuck", "cancel.run") { Blocks = true });
        var owner = await cluster.StartSiloAsync(_ => { }).Guarded();
        await cluster.StartSiloAsync(x => x.AddWorker(quick)).Guarded();
        await cluster.StartSiloAsync(x => x.AddWorker(stuck)).Guarded();

        var handle = await owner.Dispatcher.StartAsync("cancel.run", Empty).Guarded();
        await stuck.Recorded.Task.Guarded();
        await BarrierAsync(cluster, quick);
        handle.Cancel();
        var outcome = await handle.Outcome.Guarded();

        Assert.Equal(RequestStatus.Cancelled, outcome.Status);
        Assert.Equal((Decision.Abort, "the request ended Cancelled"), (outcome.Decision!.Decision, outcome.Decision.Reason));
        await Task.WhenAll(quick.Aborted.Task, stuck.Aborted.Task).Guarded();
        await SettledAsync(owner, outcome.RequestId);
        Assert.Equal((0, 1, 0, 1), (quick.Commits, quick.Aborts, stuck.Commits, stuck.Aborts));
    }

    [Fact]
    public async Task When_the_dispatcher_dies_before_deciding_the_tentative_effect_expires_after_its_TTL_and_is_counted()
    {
        var time = new ManualTimeProvider();
        var ttl = TimeSpan.FromMinutes(2);
        var cluster = Cluster(time, o =>
        {
            o.WorkerConcurrency = 1;
            o.TentativeTtl = ttl;
        });
        var keeper = Worker(new TentativeWorker("keeper", "orphan.run") { Blocks = true });
        var owner = await cluster.StartSiloAsync(_ => { }).Guarded();
        var keeperSilo = await cluster.StartSiloAsync(x => x.AddWorker(keeper)).Guarded();

        _ = await owner.Dispatcher.StartAsync("orphan.run", Empty, new DispatchOptions { Timeout = TimeSpan.FromMinutes(1) }).Guarded();
        await keeper.Recorded.Task.Guarded();
        owner.Kill(); // no decision will ever come
        keeper.Release.SetResult();
        await BarrierAsync(cluster, keeper); // its result went out: the effect waits for the decision

        Assert.Equal(1, keeperSilo.Node.TentativeWaiting);
        time.Advance(ttl - TimeSpan.FromSeconds(1));
        Assert.False(keeper.Aborted.Task.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        await keeper.Aborted.Task.Guarded();
        Assert.Equal((0, 1), (keeper.Commits, keeper.Aborts));
        Assert.Equal(1, keeperSilo.Node.TentativeExpired);
        Assert.Equal(0, keeperSilo.Node.TentativeWaiting);
    }

    [Fact]
    public async Task A_duplicate_decision_is_acknowledged_as_already_applied_and_does_nothing_twice()
    {
        var cluster = Cluster(new ManualTimeProvider());
        var keeper = Worker(new TentativeWorker("keeper", "twice.run"));
        var owner = await cluster.StartSiloAsync(_ => { }).Guarded();
        await cluster.StartSiloAsync(x => x.AddWorker(keeper)).Guarded();

        var outcome = await owner.Dispatcher.DispatchAsync("twice.run", Empty).Guarded();
        await SettledAsync(owner, outcome.RequestId);
        await owner.Services.GetRequiredService<ITransport>()
            .BroadcastAsync(new DecisionMessage(outcome.RequestId, Decision.Commit, "again"), CancellationToken.None);
        var state = await Activation(owner, outcome.RequestId)
            .WaitForAsync(_ => AckStatuses(owner, outcome.RequestId).Count == 2).Guarded();

        Assert.Equal([DecisionAckStatus.Applied, DecisionAckStatus.AlreadyApplied], AckStatuses(owner, outcome.RequestId));
        Assert.Equal(DecisionAckStatus.Applied, Assert.Single(state.Decision!.Acknowledgements).Status);
        Assert.Equal((1, 0), (keeper.Commits, keeper.Aborts));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_decision_cascades_three_levels_deep_and_a_child_commits_only_when_the_root_commits(bool rootAccepts)
    {
        var cluster = Cluster(new ManualTimeProvider());
        var level1 = Worker(new TentativeWorker("level-1", "nest.a") { Next = "nest.b" });
        var level2 = Worker(new TentativeWorker("level-2", "nest.b") { Next = "nest.c" });
        var level3 = Worker(new TentativeWorker("level-3", "nest.c"));
        var owner = await cluster.StartSiloAsync(_ => { }).Guarded();
        var silo1 = await cluster.StartSiloAsync(x => x.AddWorker(level1).AddWorker(level3)).Guarded();
        var silo2 = await cluster.StartSiloAsync(x => x.AddWorker(level2)).Guarded();

        // Every level succeeds; refusing the root's outcome (all or nothing) must still undo every level.
        var root = await owner.Dispatcher.DispatchAsync("nest.a", Empty, new DispatchOptions { AcceptOutcome = _ => rootAccepts }).Guarded();

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

        await SettledAsync(owner, root.RequestId);
        var bState = await SettledAsync(silo1, b.RequestId);
        var cState = await SettledAsync(silo2, c.RequestId);
        Assert.Equal((expected, expected), (bState.Decision!.Decision, cState.Decision!.Decision));
        Assert.Equal($"{expected} of {root.RequestId}", bState.Decision.Reason);
        Assert.Equal("level-3", Assert.Single(cState.Decision.Acknowledgements).Worker);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_demo_warehouses_confirm_their_reservations_on_commit_and_release_them_on_abort(bool fraudFails)
    {
        var cluster = Cluster(new ManualTimeProvider());
        var silo = await cluster.StartSiloAsync(x => x.AddDemoWorkers()).Guarded();
        var order = new OrderPlaced
        {
            OrderId = "o-7",
            CustomerId = "c-1",
            Amount = 1500,
            Items = [new OrderItem("A-1", 2), new OrderItem("B-7", 1)],
            Fail = fraudFails ? [FraudWorker.WorkerName] : null,
        };

        var outcome = await silo.Dispatcher.DispatchAsync(DemoTopics.OrderPlaced, order).Guarded();
        await SettledAsync(silo, outcome.RequestId);
        var reservation = Assert.Single(outcome.ResultOf(InventoryWorker.WorkerName)!.Children);
        var stock = await SettledAsync(silo, reservation.RequestId);

        var ledger = silo.Services.GetRequiredService<ReservationLedger>();
        Assert.Equal(fraudFails ? Decision.Abort : Decision.Commit, stock.Decision!.Decision);
        Assert.Equal(
            [(WarehouseAWorker.WorkerName, "reserved A-1 x2"), (WarehouseBWorker.WorkerName, "reserved B-7 x1")],
            stock.Decision.Acknowledgements.Select(a => (a.Worker, a.Detail!)).OrderBy(a => a.Worker, StringComparer.Ordinal));
        if (fraudFails)
        {
            Assert.Empty(ledger.Snapshot());
            Assert.Equal(2, ledger.Released);
        }
        else
        {
            Assert.Equal(2, ledger.Snapshot().Count(r => r.State == ReservationLedger.ReservationState.Confirmed && r.OrderId == "o-7"));
            Assert.Equal(0, ledger.Released);
        }
    }

    private TrustChainTestCluster Cluster(TimeProvider? time = null, Action<TrustChainOptions>? configure = null)
    {
        var cluster = CreateCluster(time, configure);
        _clusters.Add(cluster);
        return cluster;
    }

    private TentativeWorker Worker(TentativeWorker worker)
    {
        _workers.Add(worker);
        return worker;
    }

    private static RequestActivation Activation(TestSilo owner, RequestId id)
    {
        Assert.True(owner.Services.GetRequiredService<RequestRegistry>().TryGet(id, out var activation), $"{id} is not known on {owner.NodeId}");
        return activation;
    }

    /// <summary>The request's state once it is decided and every participant acknowledged.</summary>
    private static Task<RequestOutcome> SettledAsync(TestSilo owner, RequestId id) =>
        Activation(owner, id).WaitForAsync(o => o.Decision is { Unacknowledged.Count: 0 }).Guarded();

    private static List<DecisionAckStatus> AckStatuses(TestSilo owner, RequestId id) =>
        Activation(owner, id).EventsAfter(0).Events.Where(e => e.Kind == RequestEventKind.DecisionApplied).Select(e => e.AckStatus!.Value).ToList();

    /// <summary>See <c>ProtocolTests.BarrierAsync</c>: the worker's earlier task has been handled to the end.</summary>
    private static async Task BarrierAsync(TrustChainTestCluster cluster, TentativeWorker worker)
    {
        var barrier = await cluster.Client.DispatchAsync(worker.BarrierTopic, Empty).Guarded();
        Assert.Equal(RequestStatus.NoInterest, barrier.Status);
    }
}
