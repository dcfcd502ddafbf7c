using System.Diagnostics;
using System.Text;

namespace TrustChain.Bench;

/// <summary>
/// Watches every command Redis runs (<c>MONITOR</c>, which also shows the commands a script runs, marked
/// <c>[0 lua]</c>) and counts those on this run's keys (<c>{ServiceId}/…</c>) by owner and command. MONITOR costs
/// Redis time, so it watches a pass of its own, never a measured run.
/// </summary>
internal sealed class RedisMonitor : IAsyncDisposable
{
    /// <summary>Worker grain types are <c>trustchain.worker.{name}</c> (TrustChain's <c>WorkerProperties</c>, internal to it).</summary>
    private const string WorkerGrainTypePrefix = "trustchain.worker.";

    private readonly RespConnection _connection;
    private readonly string _prefix;
    private readonly Dictionary<(string Owner, string Command), int> _counts = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;
    private long _lastSeen = Stopwatch.GetTimestamp();

    private RedisMonitor(RespConnection connection, string serviceId)
    {
        _connection = connection;
        _prefix = serviceId + "/";
    }

    public static async Task<RedisMonitor> StartAsync(string address, string serviceId)
    {
        var connection = await RespConnection.ConnectAsync(address);
        var monitor = new RedisMonitor(connection, serviceId);
        if (await connection.CallAsync("MONITOR") is not "OK")
        {
            await connection.DisposeAsync();
            throw new InvalidOperationException("Redis refused MONITOR.");
        }

        monitor._reading = monitor.ReadAsync();
        return monitor;
    }

    /// <summary>
    /// Once nothing touched this run's keys for <paramref name="quiet"/> (what the last requests still write after
    /// their callers returned: acknowledgements, cleared parts), at most <paramref name="atMost"/>: every command seen
    /// on them, by owner and command.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string Owner, string Command), int>> StopAsync(TimeSpan quiet, TimeSpan atMost)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastSeen)) < quiet && Stopwatch.GetElapsedTime(started) < atMost && !_reading.IsCompleted)
        {
            await Task.Delay(quiet / 4);
        }

        await _stop.CancelAsync();
        await _connection.DisposeAsync();
        try
        {
            await _reading;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Closed under it: what it read is counted.
        }

        lock (_gate)
        {
            return new Dictionary<(string, string), int>(_counts);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _connection.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>Who a key of this run belongs to; null for a key of another run or of nobody's.</summary>
    public static string? OwnerOf(string key, string prefix)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(prefix);
        if (!key.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = key[prefix.Length..];
        var parts = rest.Split('/', 3);
        return parts[0] switch
        {
            // {ServiceId}/state/{grain type}/{key}: Orleans' Redis grain storage.
            "state" when parts.Length > 1 => parts[1] switch
            {
                "request" => "request grain state",
                "requestindex" => "request index",
                "runningrequests" => "silo running list",
                var type when type.StartsWith(WorkerGrainTypePrefix, StringComparison.Ordinal) => "worker part state",
                var type => $"{type} grain state",
            },
            "reminders" => "reminder table",
            "members" => "membership table",
            var other => other,
        };
    }

    /// <summary>
    /// The command and the key of one MONITOR line, e.g. <c>1700000000.123456 [0 lua] "HMSET" "svc/state/…" …</c>;
    /// a script's key is its first (<c>"EVALSHA" "sha" "1" "key" …</c>). Null for a line without a key.
    /// </summary>
    public static (string Command, string Key)? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var close = line.IndexOf("] ", StringComparison.Ordinal);
        if (close < 0)
        {
            return null;
        }

        var tokens = Tokens(line, close + 2, 4);
        if (tokens.Count < 2)
        {
            return null;
        }

        var command = tokens[0].ToLowerInvariant();
        if (command is "eval" or "evalsha" or "eval_ro" or "evalsha_ro" or "fcall" or "fcall_ro")
        {
            return tokens.Count >= 4 && tokens[2] != "0" ? (command, tokens[3]) : null;
        }

        return (command, tokens[1]);
    }

    private async Task ReadAsync()
    {
        while (await _connection.ReadLineAsync(_stop.Token) is { } line)
        {
            if (Parse(line.StartsWith('+') ? line[1..] : line) is not var (command, key) || OwnerOf(key, _prefix) is not { } owner)
            {
                continue;
            }

            Interlocked.Exchange(ref _lastSeen, Stopwatch.GetTimestamp());
            lock (_gate)
            {
                _counts[(owner, command)] = _counts.GetValueOrDefault((owner, command)) + 1;
            }
        }
    }

    /// <summary>The first <paramref name="count"/> quoted arguments from <paramref name="start"/>, unescaped as MONITOR escapes them.</summary>
    private static List<string> Tokens(string line, int start, int count)
    {
        var tokens = new List<string>(count);
        var i = start;
        while (tokens.Count < count && i < line.Length)
        {
            if (line[i] != '"')
            {
                i++;
                continue;
            }

            var token = new StringBuilder();
            for (i++; i < line.Length && line[i] != '"'; i++)
            {
                if (line[i] == '\\' && i + 1 < line.Length)
                {
                    i++;
                    switch (line[i])
                    {
                        case 'x' when i + 2 < line.Length:
                            token.Append((char)Convert.ToInt32(line.Substring(i + 1, 2), 16));
                            i += 2;
                            break;
                        case 'n':
                            token.Append('\n');
                            break;
                        case 'r':
                            token.Append('\r');
                            break;
                        case 't':
                            token.Append('\t');
                            break;
                        default:
                            token.Append(line[i]);
                            break;
                    }
                }
                else
                {
                    token.Append(line[i]);
                }
            }

            tokens.Add(token.ToString());
            i++;
        }

        return tokens;
    }
}
