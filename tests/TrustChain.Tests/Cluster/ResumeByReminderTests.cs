using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;
using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Serialization;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Cluster;

/// <summary>
/// A request's reminder (<see cref="RequestGrain.ReminderName"/>) alone brings it back when its silo died and nobody
/// calls it: no caller waits, and the only worker died with the silo, so no reply is coming either.
/// </summary>
/// <remarks>
/// Grain state and reminders live outside the silos here, as Redis keeps them in a cluster
/// (<see cref="SharedGrainStorage"/>, <see cref="SharedReminderTable"/>), and Orleans' own reminder service runs on
/// every silo on the test's <see cref="FakeTimeProvider"/>, the clock of every grain too: the reminder's minute passes
/// when the test moves the clock, once Orleans says the surviving silo has armed the tick
/// (<see cref="ReminderWatch"/>). Nothing sleeps; every wait is guarded.
/// </remarks>
public sealed class ResumeByReminderTests
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    [Fact]
    public async Task A_request_whose_silo_died_with_its_only_worker_while_nobody_calls_it_is_reactivated_by_its_reminder_on_a_live_silo_and_completes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var lease = TimeSpan.FromSeconds(10);
        var storage = new SharedGrainStorage();
        var reminders = new SharedReminderTable();
        var calls = new RequestGrainCalls();
        var doomedWorker = new ProbeWorker("sleeper", "resume.run") { Instance = "doomed", Blocks = true };
        var liveWorker = new ProbeWorker("sleeper", "resume.run") { Instance = "survivor" };
        await using var cluster = new TrustChainTestCluster(time, services: services =>
        {
            calls.AddTo(services);
            storage.AddTo(services);
            reminders.AddTo(services, time);
        });
        try
        {
            var doomed = await cluster.StartSiloAsync(doomedWorker).Guarded();
            var id = RequestId.New("resume");
            var grain = cluster.GrainClient.GetGrain<IRequestGrain>(id.Value);
            using var watch = new ReminderWatch(grain.GetGrainId());

            // Started on its grain as a dispatcher starts it, but nobody then waits for the outcome: as if the
            // dispatcher's process had died too.
            var dispatchedAt = time.GetUtcNow();
            var task = new TaskMessage(id, "resume.run", Empty, dispatchedAt, dispatchedAt + TimeSpan.FromMinutes(5), lease);
            using (ClusterRequests.RequestGrainOn(doomed))
            {
                await grain.StartAsync(task, TimeSpan.FromSeconds(1), decideWhenEnded: false).Guarded();
            }

            await doomedWorker.Started.Task.Guarded(); // its interest accepted and persisted: the request waits for its result
            var reminder = Assert.Single(reminders.RowsOf(grain.GetGrainId()));
            Assert.Equal((RequestGrain.ReminderName, RequestGrain.ReminderPeriod), (reminder.ReminderName, reminder.Period));

            // The survivor hosts the worker too, but it joined after the dispatch: the task never reached it.
            var survivor = await cluster.StartSiloAsync(liveWorker).Guarded();
            await watch.ServiceStarted(survivor.Handle.SiloAddress).Guarded();
            await doomed.KillAsync().Guarded(); // until membership has declared it dead
            var callsBeforeTheKill = calls.CallsTo(id).Count;

            bool OnSurvivor(SiloAddress? silo) => survivor.Handle.SiloAddress.Equals(silo);
            await watch.TickArmed(RequestGrain.ReminderName, OnSurvivor).Guarded();
            Assert.Equal(callsBeforeTheKill, calls.CallsTo(id).Count); // nothing has called it since

            time.Advance(RequestGrain.ReminderPeriod); // the reminder's first tick, a period after the start
            await watch.TickDelivered(RequestGrain.ReminderName, OnSurvivor).Guarded();

            // Reactivated by the tick, restored from storage: its worker's lease re-armed from the restore (a full
            // lease, as renewals are not persisted). When it lapses the task goes to the worker on the live silo.
            var resumed = calls.CallsTo(id).Skip(callsBeforeTheKill).ToList();
            Assert.Equal(("ReceiveReminder", survivor.Handle.SiloAddress), (resumed[0].Method, resumed[0].Silo));
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
            Assert.Equal(dispatchedAt + RequestGrain.ReminderPeriod + lease, state.Events.Single(e => e.Kind == RequestEventKind.Redelivered).At);
            Assert.Equal((1, 1), (doomedWorker.HandleCalls, liveWorker.HandleCalls));
            Assert.All(calls.CallsTo(id).Skip(callsBeforeTheKill), c => Assert.Equal(survivor.Handle.SiloAddress, c.Silo));
        }
        finally
        {
            doomedWorker.Abandon();
            liveWorker.Abandon();
        }
    }
}
