using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;
using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Serialization;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Cluster;

/// <summary>
/// The running list of a request's silo (<see cref="RunningRequestsGrain"/>, one reminder per silo) alone brings it
/// back when its silo died and nobody calls it: no caller waits, and the only worker died with the silo, so no reply
/// is coming either. The request holds no reminder of its own.
/// </summary>
/// <remarks>
/// Grain state and reminders live outside the silos here, as Redis keeps them in a cluster
/// (<see cref="SharedGrainStorage"/>, <see cref="SharedReminderTable"/>), and Orleans' own reminder service runs on
/// every silo on the test's <see cref="FakeTimeProvider"/>, the clock of every grain too: the list's minute passes
/// when the test moves the clock, once Orleans says the surviving silo has armed the tick
/// (<see cref="ReminderWatch"/>). Nothing sleeps; every wait is guarded.
/// </remarks>
public sealed class ResumeByRunningListTests
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    [Fact]
    public async Task A_request_whose_silo_died_with_its_only_worker_while_nobody_calls_it_is_resumed_by_that_silos_running_list_on_a_live_silo_and_completes()
    {
        await using var setting = new Setting();
        var (time, lease, storage, reminders, calls) = (setting.Time, Setting.Lease, setting.Storage, setting.Reminders, setting.Calls);
        var (cluster, doomedWorker, liveWorker) = (setting.Cluster, setting.DoomedWorker, setting.LiveWorker);
        var doomed = await cluster.StartSiloAsync(doomedWorker).Guarded();
        var id = RequestId.New("resume");
        var grain = cluster.GrainClient.GetGrain<IRequestGrain>(id.Value);
        var doomedList = cluster.GrainClient.GetGrain<IRunningRequestsGrain>(RunningRequestsGrain.KeyOf(doomed.Handle.SiloAddress));
        using var watch = new ReminderWatch(doomedList.GetGrainId());

        var dispatchedAt = await setting.StartOnAsync(doomed, id).Guarded();
        Assert.Empty(reminders.RowsOf(grain.GetGrainId()));
        Assert.True(storage.Holds("running", doomedList.GetGrainId())); // stored before the start returned
        var reminder = Assert.Single(reminders.RowsOf(doomedList.GetGrainId()));
        Assert.Equal((RunningRequestsGrain.ReminderName, RunningRequestsGrain.ReminderPeriod), (reminder.ReminderName, reminder.Period));

        // The survivor hosts the worker too, but it joined after the dispatch: the task never reached it.
        var survivor = await cluster.StartSiloAsync(liveWorker).Guarded();
        await watch.ServiceStarted(survivor.Handle.SiloAddress).Guarded();
        await doomed.KillAsync().Guarded(); // until membership has declared it dead
        var callsBeforeTheKill = calls.CallsTo(id).Count;

        bool OnSurvivor(SiloAddress? silo) => survivor.Handle.SiloAddress.Equals(silo);
        await watch.TickArmed(RunningRequestsGrain.ReminderName, OnSurvivor).Guarded();
        Assert.Equal(callsBeforeTheKill, calls.CallsTo(id).Count); // nothing has called it since

        time.Advance(RunningRequestsGrain.ReminderPeriod); // the list's first tick, a period after the start
        await watch.TickDelivered(RunningRequestsGrain.ReminderName, OnSurvivor).Guarded();

        // Reactivated by the tick, restored from storage: its worker's lease re-armed from the restore (a full
        // lease, as renewals are not persisted). When it lapses the task goes to the worker on the live silo.
        var resumed = calls.CallsTo(id).Skip(callsBeforeTheKill).ToList();
        Assert.Equal(("ResumeAsync", survivor.Handle.SiloAddress), (resumed[0].Method, resumed[0].Silo));

        // It moved to the survivor's list; the dead silo's list, with nothing left to resume, took its reminder away.
        var survivorList = cluster.GrainClient.GetGrain<IRunningRequestsGrain>(RunningRequestsGrain.KeyOf(survivor.Handle.SiloAddress));
        Assert.Single(reminders.RowsOf(survivorList.GetGrainId()));
        Assert.Empty(reminders.RowsOf(doomedList.GetGrainId()));
        Assert.False(storage.Holds("running", doomedList.GetGrainId()));
        var result = calls.ResultHandled(id, "sleeper");
        time.Advance(lease);
        await result.Guarded();

        var state = await survivor.Grains().StateAsync(id);
        Assert.True(state.Ended);
        var outcome = state.Snapshot;
        Assert.Equal(RequestStatus.Completed, outcome.Status);
        var sleeper = Assert.Single(outcome.Results);
        Assert.Equal(WorkerResultStatus.Succeeded, sleeper.Status);
        Assert.Equal("survivor", TrustChainJson.FromElement<ProbeResult>(sleeper.Payload!.Value)!.Instance);
        Assert.Equal(
            [RequestEventKind.Dispatched, RequestEventKind.Verdict, RequestEventKind.InterestClosed, RequestEventKind.Redelivered, RequestEventKind.Result, RequestEventKind.Completed],
            state.Events.Select(e => e.Kind));
        Assert.Equal(dispatchedAt + RunningRequestsGrain.ReminderPeriod + lease, state.Events.Single(e => e.Kind == RequestEventKind.Redelivered).At);
        Assert.Equal((1, 1), (doomedWorker.HandleCalls, liveWorker.HandleCalls));
        Assert.All(calls.CallsTo(id).Skip(callsBeforeTheKill), c => Assert.Equal(survivor.Handle.SiloAddress, c.Silo));
    }

    [Fact]
    public async Task A_start_whose_running_list_cannot_be_stored_fails_and_the_dispatchers_retry_stores_it_before_the_request_runs_on()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var storage = new SharedGrainStorage();
        var reminders = new SharedReminderTable();
        var worker = new ProbeWorker("sleeper", "resume.run") { Blocks = true };
        await using var cluster = new TrustChainTestCluster(time, services: services =>
        {
            storage.AddTo(services);
            reminders.AddTo(services, time);
        });
        try
        {
            var silo = await cluster.StartSiloAsync(worker).Guarded();
            var list = cluster.GrainClient.GetGrain<IRunningRequestsGrain>(RunningRequestsGrain.KeyOf(silo.Handle.SiloAddress));
            storage.FailWrites("running", 1); // the first start's listing fails; the request's own write does not

            var handle = await cluster.Client.StartAsync("resume.run", Empty).Guarded();
            await worker.Started.Task.Guarded();

            // Running, and on its silo's stored list: were the silo to die now, the list would bring the request back.
            Assert.Equal(0, storage.FailuresLeft("running"));
            Assert.True(storage.Holds("running", list.GetGrainId()));
            Assert.False(handle.Outcome.IsCompleted);
            Assert.Equal(1, worker.HandleCalls);
        }
        finally
        {
            worker.Abandon();
        }
    }

    [Fact]
    public async Task A_request_an_earlier_build_left_with_a_reminder_of_its_own_and_on_no_list_is_resumed_by_that_reminder_on_a_live_silo_which_then_removes_it()
    {
        await using var setting = new Setting();
        var (time, lease, storage, reminders, calls) = (setting.Time, Setting.Lease, setting.Storage, setting.Reminders, setting.Calls);
        var (cluster, doomedWorker, liveWorker) = (setting.Cluster, setting.DoomedWorker, setting.LiveWorker);
        var doomed = await cluster.StartSiloAsync(doomedWorker).Guarded();
        var id = RequestId.New("legacy");
        var grain = cluster.GrainClient.GetGrain<IRequestGrain>(id.Value);
        using var watch = new ReminderWatch(grain.GetGrainId());
        var dispatchedAt = await setting.StartOnAsync(doomed, id).Guarded();

        // What the earlier build stored: the request with a reminder of its own, and no running list.
        var doomedList = cluster.GrainClient.GetGrain<IRunningRequestsGrain>(RunningRequestsGrain.KeyOf(doomed.Handle.SiloAddress));
        var listReminder = Assert.Single(reminders.RowsOf(doomedList.GetGrainId()));
        Assert.True(await reminders.RemoveRow(doomedList.GetGrainId(), listReminder.ReminderName, listReminder.ETag!).Guarded());
        storage.Lose("running", doomedList.GetGrainId());
        await reminders.UpsertRow(new ReminderEntry
        {
            GrainId = grain.GetGrainId(),
            ReminderName = RequestGrain.LegacyReminderName,
            StartAt = (dispatchedAt + TimeSpan.FromMinutes(1)).UtcDateTime,
            Period = TimeSpan.FromMinutes(1),
        }).Guarded();

        var survivor = await cluster.StartSiloAsync(liveWorker).Guarded();
        await watch.ServiceStarted(survivor.Handle.SiloAddress).Guarded();
        await doomed.KillAsync().Guarded();

        bool OnSurvivor(SiloAddress? silo) => survivor.Handle.SiloAddress.Equals(silo);
        await watch.TickArmed(RequestGrain.LegacyReminderName, OnSurvivor).Guarded();
        time.Advance(TimeSpan.FromMinutes(1));
        await watch.TickDelivered(RequestGrain.LegacyReminderName, OnSurvivor).Guarded();

        // Resumed on the survivor and on its list, which brings it back from now on; the old reminder is gone.
        var survivorList = cluster.GrainClient.GetGrain<IRunningRequestsGrain>(RunningRequestsGrain.KeyOf(survivor.Handle.SiloAddress));
        Assert.True(storage.Holds("running", survivorList.GetGrainId()));
        Assert.Empty(reminders.RowsOf(grain.GetGrainId()));
        Assert.Equal(survivor.Handle.SiloAddress, calls.CallsTo(id)[^1].Silo);

        // Its worker's lease, re-armed from the restore, lapses and the task goes to the live silo's worker.
        var result = calls.ResultHandled(id, "sleeper");
        time.Advance(lease);
        await result.Guarded();
        var state = await survivor.Grains().StateAsync(id);
        Assert.Equal(RequestStatus.Completed, state.Snapshot.Status);
        Assert.Equal("survivor", TrustChainJson.FromElement<ProbeResult>(Assert.Single(state.Snapshot.Results).Payload!.Value)!.Instance);
    }

    /// <summary>
    /// Grain state and reminders shared by the silos; a worker that blocks, for the silo that will die, and the same
    /// worker that answers, for the silo started later.
    /// </summary>
    private sealed class Setting : IAsyncDisposable
    {
        public Setting() => Cluster = new TrustChainTestCluster(Time, services: services =>
        {
            Calls.AddTo(services);
            Storage.AddTo(services);
            Reminders.AddTo(services, Time);
        });

        public static TimeSpan Lease { get; } = TimeSpan.FromSeconds(10);

        public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

        public SharedGrainStorage Storage { get; } = new();

        public SharedReminderTable Reminders { get; } = new();

        public RequestGrainCalls Calls { get; } = new();

        public ProbeWorker DoomedWorker { get; } = new("sleeper", "resume.run") { Instance = "doomed", Blocks = true };

        public ProbeWorker LiveWorker { get; } = new("sleeper", "resume.run") { Instance = "survivor" };

        public TrustChainTestCluster Cluster { get; }

        /// <summary>
        /// Starts the request on its grain on <paramref name="doomed"/> as a dispatcher starts it, though nobody then
        /// waits for the outcome (as if the dispatcher's process had died too); once the doomed worker works on it.
        /// </summary>
        public async Task<DateTimeOffset> StartOnAsync(TestSilo doomed, RequestId id)
        {
            var dispatchedAt = Time.GetUtcNow();
            var task = new TaskMessage(id, "resume.run", Empty, dispatchedAt, dispatchedAt + TimeSpan.FromMinutes(5), Lease);
            using (ClusterRequests.RequestGrainOn(doomed))
            {
                await Cluster.GrainClient.GetGrain<IRequestGrain>(id.Value).StartAsync(task, TimeSpan.FromSeconds(1), decideWhenEnded: false);
            }

            await DoomedWorker.Started.Task; // its interest accepted and persisted: the request waits for its result
            return dispatchedAt;
        }

        public async ValueTask DisposeAsync()
        {
            DoomedWorker.Abandon();
            LiveWorker.Abandon();
            await Cluster.DisposeAsync();
        }
    }
}
