using System.Diagnostics;
using System.Text;

namespace TrustChain.Tests.Redis;

/// <summary>
/// A process of the cluster (a silo, an API node, a redis-server) started by a test: its standard output is kept line
/// by line, and a test awaits the line that says what it waits for (a silo's "TrustChain silo ready", an API's cluster
/// view), never a sleep. Disposing kills it and everything it started.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    /// <summary>The exit code, once <see cref="Exited"/> completed.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Completes when the process has exited (killed, or on its own).</summary>
    public Task Exited => _exited.Task;

    /// <summary>Everything it printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    public static NodeProcess Start(string name, string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No ANSI colours in what the tests read, and no telemetry or first-run chatter.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["Logging__Console__DisableColors"] = "true";
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var node = new NodeProcess(name, process);
        process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnLine(e.Data is null ? null : "stderr: " + e.Data);
        process.Exited += (_, _) => node.OnExited();
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name} ({fileName}) did not start.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>The first line (already printed, or still to come) that <paramref name="match"/> accepts.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(match);
        TaskCompletionSource<string> found = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_lines.FirstOrDefault(match) is { } line)
            {
                return Task.FromResult(line);
            }

            if (_exited.Task.IsCompleted)
            {
                return Task.FromException<string>(Died());
            }

            _waiters.Add((match, found));
        }

        var limit = timeout ?? ProcessSafety.Timeout;
        return WaitAsync(found.Task, limit);

        async Task<string> WaitAsync(Task<string> task, TimeSpan within)
        {
            try
            {
                return await task.WaitAsync(within);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"{Name} printed no awaited line within {within}. Its output:\n{Tail()}");
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> lines (printed so far or to come) contain <paramref name="text"/>.</summary>
    public Task<string> WaitForCountAsync(string text, int count, TimeSpan? timeout = null)
    {
        var seen = 0;
        return WaitForLineAsync(l => l.Contains(text, StringComparison.Ordinal) && ++seen >= count, timeout);
    }

    /// <summary>Waits for a line containing <paramref name="text"/>.</summary>
    public Task<string> WaitForTextAsync(string text, TimeSpan? timeout = null) =>
        WaitForLineAsync(l => l.Contains(text, StringComparison.Ordinal), timeout);

    /// <summary>Lines printed so far that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LinesWith(string text)
    {
        lock (_gate)
        {
            return _lines.Where(l => l.Contains(text, StringComparison.Ordinal)).ToList();
        }
    }

    /// <summary>As kill -9: the process and its children die at once, with no shutdown of any kind.</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        await _exited.Task.WaitAsync(ProcessSafety.Timeout);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource<string>> matched = [];
        lock (_gate)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    matched.Add(_waiters[i].Found);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var found in matched)
        {
            found.TrySetResult(line);
        }
    }

    private void OnExited()
    {
        List<TaskCompletionSource<string>> waiting;
        lock (_gate)
        {
            waiting = _waiters.Select(w => w.Found).ToList();
            _waiters.Clear();
        }

        _exited.TrySetResult();
        foreach (var found in waiting)
        {
            found.TrySetException(Died());
        }
    }

    private InvalidOperationException Died() => new($"{Name} exited before printing the awaited line. Its output:\n{Tail()}");

    private string Tail()
    {
        lock (_gate)
        {
            return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - 80)));
        }
    }
}

/// <summary>How long a process test waits for anything before it fails instead of hanging: failovers take seconds.</summary>
public static class ProcessSafety
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
}
