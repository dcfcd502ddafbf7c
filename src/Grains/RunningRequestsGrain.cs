using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Runtime;

namespace TrustChain.Grains;

/// <summary>
/// The requests one silo started that have not ended yet (key: the silo's address), stored in TrustChain's grain
/// storage, with one reminder: when the silo dies, the reminder's next tick activates this list on a live silo, and
/// the list resumes each request there (<see cref="IRequestGrain.ResumeAsync"/>), though nobody calls them.
/// </summary>
/// <remarks>
/// <para>Why not a reminder per request: in Redis that is a reminder row written as the request starts and removed
/// as it ends (three writes, 43 % of a nobody-interested request's), plus a timer per row in the silo that owns it, to
/// cover the few requests a silo holds when it dies. Here a request's start waits for one write of its silo's list,
/// which every request starting meanwhile shares (group commit); its end is stored with a later write, since an entry
/// left over costs a call at the next tick and nothing else.</para>
/// <para>A tick on a live silo resumes its requests too: one that went away in good order (its silo shutting down,
/// or Orleans moving it) has no timer until it is called. A request resumed on another silo moves to that silo's
/// list. The list of a dead silo with nothing left to resume removes its reminder and its state.</para>
/// <para>It stays active where its silo's first request placed it: collected when idle, it could come back on another
/// silo (its reminder's tick activates it wherever the reminder's owner is), and every start would then pay a hop.</para>
/// </remarks>
[PreferLocalPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
[Reentrant]
internal sealed partial class RunningRequestsGrain(
    [PersistentState("running", TrustChainOptions.StorageName)] IPersistentState<RunningRequestsState> state,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    ILogger<RunningRequestsGrain> logger) : Grain, IRunningRequestsGrain, IRemindable
{
    /// <summary>The reminder of a silo's list.</summary>
    public const string ReminderName = "trustchain.running";

    /// <summary>Its period: Orleans' shortest by default. A request of a dead silo resumes within it.</summary>
    public static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many requests a tick resumes at once: a silo with 100,000 in flight would otherwise send 100,000 calls in
    /// one burst every minute, and a dead silo's list would activate as many grains together on the silo it lands on.
    /// </summary>
    public const int ResumeBatch = 256;

    // Each entry with the number of the addition that put it there: a tick drops only what nobody added again meanwhile.
    private readonly Dictionary<RequestId, long> _running = [];
    private long _additions;
    // Group commit: additions made while a write is under way wait for the next one, which stores them all at once.
    private TaskCompletionSource? _unsaved;
    private Task? _writer;
    // Removals not stored yet: they ride on the next write.
    private bool _dirty;
    private bool _reminded;
    // A dead silo's list taking its leave: it takes nothing more.
    private bool _lettingGo;

    /// <summary>The key of a silo's list.</summary>
    public static string KeyOf(SiloAddress silo) => silo.ToParsableString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Join(state.State.Requests);
        await RemindAsync().ConfigureAwait(true);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty && _running.Count + state.State.Requests.Count > 0)
        {
            try
            {
                await SaveAsync().ConfigureAwait(true);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogSaveFailed(ex, this.GetPrimaryKeyString()); // an entry left over costs a call at the next tick
            }
        }
    }

    public async Task AddAsync(RequestId requestId)
    {
        if (_lettingGo)
        {
            throw new RequestUnavailableException($"The running list of {this.GetPrimaryKeyString()} belongs to a dead silo; retry.");
        }

        if (!_reminded)
        {
            // Without its reminder the list would outlive its silo unread: the request's start is told it failed.
            await RemindAsync().ConfigureAwait(true);
            if (!_reminded)
            {
                throw new RequestUnavailableException($"The running list of {this.GetPrimaryKeyString()} has no reminder; retry.");
            }
        }

        _running[requestId] = ++_additions;
        await SaveAsync().ConfigureAwait(true);
    }

    public Task RemoveAsync(RequestId requestId)
    {
        _dirty |= _running.Remove(requestId);
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName)
        {
            return;
        }

        foreach (var batch in _running.ToList().Chunk(ResumeBatch))
        {
            var stillHere = await Task.WhenAll(batch.Select(entry => ResumeAsync(entry.Key))).ConfigureAwait(true);
            for (var i = 0; i < batch.Length; i++)
            {
                var (requestId, addition) = batch[i];
                if (!stillHere[i] && _running.TryGetValue(requestId, out var now) && now == addition)
                {
                    _dirty |= _running.Remove(requestId);
                }
            }
        }

        if (_running.Count == 0 && SiloIsGone())
        {
            await LetGoAsync().ConfigureAwait(true);
            return;
        }

        if (_dirty)
        {
            try
            {
                await SaveAsync().ConfigureAwait(true);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogSaveFailed(ex, this.GetPrimaryKeyString()); // written again with the next change or tick
            }
        }
    }

    /// <summary>True while the request is still this list's to resume (it runs on this list's silo, or the call failed).</summary>
    private async Task<bool> ResumeAsync(RequestId requestId)
    {
        try
        {
            var keptBy = await GrainFactory.GetGrain<IRequestGrain>(requestId.Value).ResumeAsync().ConfigureAwait(true);
            return keptBy == this.GetPrimaryKeyString();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogResumeFailed(ex, requestId); // tried again at the next tick
            return true;
        }
    }

    /// <summary>Dead, or so long gone that membership has forgotten it (and it is not the silo this runs on).</summary>
    private bool SiloIsGone()
    {
        if (!SiloAddress.TryParse(this.GetPrimaryKeyString(), out var address))
        {
            return true;
        }

        var status = membership.CurrentSnapshot.GetSiloStatus(address);
        return status == SiloStatus.Dead || (status == SiloStatus.None && !address.Equals(silo.SiloAddress));
    }

    /// <summary>
    /// A dead silo's list with nothing left to resume: its state goes, then its reminder (in that order, so that a
    /// failure leaves the reminder to tick and try again). It takes no more additions meanwhile.
    /// </summary>
    private async Task LetGoAsync()
    {
        _lettingGo = true;
        try
        {
            if (_writer is { } writer)
            {
                await writer.ConfigureAwait(true); // a write under way must not land after the clear
            }

            if (_running.Count > 0)
            {
                _lettingGo = false; // something came back while the write finished: resumed at the next tick
                return;
            }

            await state.ClearStateAsync().ConfigureAwait(true);
            _dirty = false;
            if (await this.GetReminder(ReminderName).ConfigureAwait(true) is { } reminder)
            {
                await this.UnregisterReminder(reminder).ConfigureAwait(true);
            }

            DeactivateOnIdle();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _lettingGo = false;
            LogSaveFailed(ex, this.GetPrimaryKeyString()); // the next tick tries again
        }
    }

    private async Task RemindAsync()
    {
        try
        {
            await this.RegisterOrUpdateReminder(ReminderName, ReminderPeriod, ReminderPeriod).ConfigureAwait(true);
            _reminded = true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogReminderFailed(ex, this.GetPrimaryKeyString());
        }
    }

    private Task SaveAsync()
    {
        var batch = (_unsaved ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        if (_writer is null)
        {
            var writer = WriteAllAsync();
            _writer = writer.IsCompleted ? null : writer; // a write that finished at once has cleared it already
        }

        return batch;
    }

    /// <summary>Writes until nothing is left unsaved.</summary>
    private async Task WriteAllAsync()
    {
        try
        {
            while (_unsaved is { } batch)
            {
                _unsaved = null;
                try
                {
                    await WriteAsync().ConfigureAwait(true);
                    batch.TrySetResult();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    _dirty = true;
                    LogSaveFailed(ex, this.GetPrimaryKeyString());
                    batch.TrySetException(ex);
                }
            }
        }
        finally
        {
            _writer = null;
        }
    }

    private async Task WriteAsync()
    {
        _dirty = false;
        state.State.Requests = [.. _running.Keys];
        try
        {
            await state.WriteStateAsync().ConfigureAwait(true);
        }
        catch (Orleans.Storage.InconsistentStateException)
        {
            // Another activation of this list wrote (a failover): both lists count, so join what it stored and write again.
            await state.ReadStateAsync().ConfigureAwait(true);
            Join(state.State.Requests);
            state.State.Requests = [.. _running.Keys];
            await state.WriteStateAsync().ConfigureAwait(true);
        }
    }

    private void Join(IEnumerable<RequestId> stored)
    {
        foreach (var requestId in stored)
        {
            _running.TryAdd(requestId, ++_additions);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The running list of silo {Silo} could not be stored; its next change or tick tries again")]
    private partial void LogSaveFailed(Exception exception, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reminder of the running list of silo {Silo} could not be registered")]
    private partial void LogReminderFailed(Exception exception, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} could not be resumed now; the next tick tries again")]
    private partial void LogResumeFailed(Exception exception, RequestId requestId);
}
