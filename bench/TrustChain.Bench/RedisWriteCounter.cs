using System.Diagnostics;
using System.Globalization;

namespace TrustChain.Bench;

/// <summary>
/// Counts what Redis writes for the requests of a run. Around each measured run: <c>INFO commandstats</c> before and
/// after (Redis counts every command it runs, those a script runs included), the difference of the commands that
/// <c>COMMAND INFO</c> flags <c>write</c>, ÷ the run's requests. Before and after a run of TrustChain's requests it
/// first waits until Redis has written nothing for a moment: the last requests still write after their callers
/// returned (acknowledgements, cleared parts), and those writes are theirs. For who writes what, a pass of its own
/// watched with <see cref="RedisMonitor"/>. Redis is the bench's private one, so every write is this run's.
/// </summary>
internal sealed class RedisWriteCounter : IAsyncDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan SettleAtMost = TimeSpan.FromSeconds(5);
    private static readonly string[] Scripts = ["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"];

    private readonly RespConnection _connection;
    private readonly string _address;
    private readonly Dictionary<string, bool> _isWrite = new(StringComparer.Ordinal);

    private RedisWriteCounter(RespConnection connection, string address)
    {
        _connection = connection;
        _address = address;
    }

    public static async Task<RedisWriteCounter> ConnectAsync(string address) => new(await RespConnection.ConnectAsync(address), address);

    /// <summary>
    /// <paramref name="run"/>, with what Redis wrote meanwhile per request in its <see cref="RunResult.Redis"/> (and its
    /// total in the extra figures). <paramref name="settle"/>: wait for Redis to go quiet before and after.
    /// </summary>
    public async Task<RunResult> MeasureAsync(Func<Task<RunResult>> run, bool settle)
    {
        ArgumentNullException.ThrowIfNull(run);
        var before = settle ? await SettledAsync() : await ReadAsync();
        var result = await run();
        var after = settle ? await SettledAsync() : await ReadAsync();
        var delta = after.Calls.ToDictionary(p => p.Key, p => p.Value - before.Calls.GetValueOrDefault(p.Key));
        var writes = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (command, calls) in delta)
        {
            if (calls > 0 && await IsWriteAsync(command))
            {
                writes[command] = (double)calls / result.Requests;
            }
        }

        var scripts = Scripts.Sum(s => delta.GetValueOrDefault(s));
        var counted = new RedisRunWrites(writes.Values.Sum(), (double)scripts / result.Requests, writes, (double)(after.InputBytes - before.InputBytes) / result.Requests);
        return result with
        {
            Redis = counted,
            Extra = new Dictionary<string, double>(result.Extra) { [RedisRunWrites.ExtraName] = counted.WritesPerRequest },
        };
    }

    /// <summary>The writes of <paramref name="pass"/> (of <paramref name="requests"/> requests) on <paramref name="serviceId"/>'s keys, watched with MONITOR.</summary>
    public async Task<RedisWriteSample> SampleAsync(string serviceId, int requests, Func<Task> pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        ArgumentOutOfRangeException.ThrowIfLessThan(requests, 1);
        await SettledAsync();
        var monitor = await RedisMonitor.StartAsync(_address, serviceId);
        IReadOnlyDictionary<(string Owner, string Command), int> seen;
        try
        {
            await pass();
        }
        finally
        {
            seen = await monitor.StopAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(10));
        }

        var byOwner = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        foreach (var owner in seen.Keys.Select(k => k.Owner).Distinct())
        {
            var commands = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var ((who, command), count) in seen)
            {
                if (who == owner && await IsWriteAsync(command))
                {
                    commands[command] = (double)count / requests;
                }
            }

            if (commands.Count > 0)
            {
                byOwner[owner] = commands;
            }
        }

        return new RedisWriteSample(requests, byOwner);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    /// <summary>
    /// Calls per command so far, as <c>INFO commandstats</c> reports them (lines <c>cmdstat_hset:calls=1,usec=…</c>),
    /// and the bytes Redis has received (<c>INFO stats</c>, <c>total_net_input_bytes</c>).
    /// </summary>
    private async Task<Snapshot> ReadAsync()
    {
        var text = await _connection.CallAsync("INFO", "commandstats") as string ?? string.Empty;
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries))
        {
            const string Prefix = "cmdstat_";
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (!line.StartsWith(Prefix, StringComparison.Ordinal) || colon < 0)
            {
                continue;
            }

            var value = line[(colon + 1)..].Split(',').Select(f => f.Split('=', 2)).FirstOrDefault(f => f[0] == "calls");
            if (value is { Length: 2 })
            {
                calls[line[Prefix.Length..colon]] = long.Parse(value[1], CultureInfo.InvariantCulture);
            }
        }

        const string Input = "total_net_input_bytes:";
        var stats = await _connection.CallAsync("INFO", "stats") as string ?? string.Empty;
        var input = stats.Split('\n', StringSplitOptions.TrimEntries).FirstOrDefault(l => l.StartsWith(Input, StringComparison.Ordinal));
        return new Snapshot(calls, input is null ? 0 : long.Parse(input[Input.Length..], CultureInfo.InvariantCulture));
    }

    /// <summary>The counts once the write total has not moved for <see cref="Quiet"/> (at most <see cref="SettleAtMost"/>).</summary>
    private async Task<Snapshot> SettledAsync()
    {
        var started = Stopwatch.GetTimestamp();
        var last = await ReadAsync();
        var total = await WriteTotalAsync(last);
        var unchangedSince = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(unchangedSince) < Quiet && Stopwatch.GetElapsedTime(started) < SettleAtMost)
        {
            await Task.Delay(Quiet / 4);
            last = await ReadAsync();
            var now = await WriteTotalAsync(last);
            if (now != total)
            {
                total = now;
                unchangedSince = Stopwatch.GetTimestamp();
            }
        }

        return last;
    }

    private async Task<long> WriteTotalAsync(Snapshot snapshot)
    {
        long total = 0;
        foreach (var (command, count) in snapshot.Calls)
        {
            if (await IsWriteAsync(command))
            {
                total += count;
            }
        }

        return total;
    }

    /// <summary>Whether Redis flags <paramref name="command"/> <c>write</c> (<c>COMMAND INFO</c>; a sub-command as <c>container|sub</c>).</summary>
    private async Task<bool> IsWriteAsync(string command)
    {
        if (!_isWrite.TryGetValue(command, out var write))
        {
            var info = await _connection.CallAsync("COMMAND", "INFO", command) as object?[];
            write = info is [object?[] { Length: > 2 } entry, ..] && entry[2] is object?[] flags && flags.OfType<string>().Contains("write");
            _isWrite[command] = write;
        }

        return write;
    }

    private sealed record Snapshot(Dictionary<string, long> Calls, long InputBytes);
}
