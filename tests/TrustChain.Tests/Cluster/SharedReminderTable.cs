using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Reminders;
using Orleans.Runtime;

namespace TrustChain.Tests.Cluster;

/// <summary>
/// Reminders as a cluster keeps them (Redis): the table outside every silo, so that a reminder outlives the silo that
/// registered it, and Orleans' own reminder service on every silo, ticking on the test's clock. Orleans' in-memory
/// reminder table (what <c>AddTrustChain</c> adds when a silo configures none) is a grain on one silo and dies with
/// it. Rows are copied in and out, as a store would serialize them.
/// </summary>
public sealed class SharedReminderTable : IReminderTable
{
    private readonly ConcurrentDictionary<(GrainId Grain, string Name), ReminderEntry> _rows = new();
    private long _version;

    /// <summary>
    /// Makes it the reminder table of the silo (the test cluster's <c>services</c> argument), with Orleans' reminder
    /// service on <paramref name="clock"/> (<see cref="ReminderTimeProviderNames.Reminders"/>), so that a
    /// <c>FakeTimeProvider</c> moves reminders as it moves grain timers.
    /// </summary>
    public void AddTo(IServiceCollection services, TimeProvider clock)
    {
        services.AddReminders();
        services.AddSingleton<IReminderTable>(this);
        services.AddKeyedSingleton(ReminderTimeProviderNames.Reminders, clock);
    }

    /// <summary>The rows held for a grain, for a test to check what was registered.</summary>
    public IReadOnlyList<ReminderEntry> RowsOf(GrainId grain) => _rows.Where(r => r.Key.Grain == grain).Select(r => Copy(r.Value)).ToList();

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        Task.FromResult(new ReminderTableData(RowsOf(grainId)));

    public Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        // (begin, end], wrapping around when begin >= end, as IReminderTable specifies.
        bool InRange(uint hash) => begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;
        return Task.FromResult(new ReminderTableData(_rows.Values.Where(r => InRange(r.GrainId.GetUniformHashCode())).Select(Copy).ToList()));
    }

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) =>
        Task.FromResult(_rows.TryGetValue((grainId, reminderName), out var row) ? Copy(row) : null);

    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var stored = Copy(entry);
        stored.ETag = Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture);
        _rows[(entry.GrainId, entry.ReminderName)] = stored;
        return Task.FromResult<string?>(stored.ETag);
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        Task.FromResult(_rows.TryGetValue((grainId, reminderName), out var row) && row.ETag == eTag && _rows.TryRemove(new KeyValuePair<(GrainId, string), ReminderEntry>((grainId, reminderName), row)));

    public Task TestOnlyClearTable()
    {
        _rows.Clear();
        return Task.CompletedTask;
    }

    private static ReminderEntry Copy(ReminderEntry entry) => new()
    {
        GrainId = entry.GrainId,
        ReminderName = entry.ReminderName,
        StartAt = entry.StartAt,
        Period = entry.Period,
        ETag = entry.ETag,
    };
}
