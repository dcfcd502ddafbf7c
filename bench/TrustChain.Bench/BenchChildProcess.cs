using System.Diagnostics;

namespace TrustChain.Bench;

/// <summary>
/// This tool started once more as a process of its own in a child mode (an idle silo, a cluster silo): it says a
/// line when it is ready and stops when its standard input closes. Once ready, what it prints goes on to the bench's
/// standard error behind its name (it logs errors only), so that a full pipe can never stall it.
/// </summary>
internal sealed class BenchChildProcess : IAsyncDisposable
{
    private readonly string _name;
    private Task _drained = Task.CompletedTask;

    private BenchChildProcess(string name, Process process)
    {
        _name = name;
        Process = process;
    }

    public Process Process { get; }

    /// <param name="cpus">The processors it may run on (a <c>taskset</c> list such as <c>0</c> or <c>0-1</c>); null: any.</param>
    public static BenchChildProcess Start(string name, IEnumerable<string> arguments, string? cpus = null)
    {
        var executable = Environment.ProcessPath ?? throw new InvalidOperationException("The bench cannot find its own executable.");
        var start = new ProcessStartInfo(cpus is null ? executable : "taskset")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (cpus is not null)
        {
            // Pinned from its first instruction, so that the runtime sizes its thread pool and GC for these processors.
            start.ArgumentList.Add("--cpu-list");
            start.ArgumentList.Add(cpus);
            start.ArgumentList.Add(executable);
        }

        if (Path.GetFileNameWithoutExtension(executable) == "dotnet")
        {
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(typeof(BenchChildProcess).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new BenchChildProcess(name, Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start."));
    }

    /// <summary>
    /// Returns, once the process printed a line starting with <paramref name="ready"/>, the rest of that line; fails if
    /// it ends first or takes longer than <paramref name="within"/>.
    /// </summary>
    public async Task<string> ReadyAsync(string ready, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var seen = new List<string>();
        try
        {
            while (await Process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith(ready, StringComparison.Ordinal))
                {
                    _drained = DrainAsync();
                    return line[ready.Length..];
                }

                seen.Add(line);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"{_name} was not ready within {within}. It printed:\n{string.Join('\n', seen)}");
        }

        throw new InvalidOperationException($"{_name} ended its output before it was ready (exit code {(Process.HasExited ? Process.ExitCode : -1)}). It printed:\n{string.Join('\n', seen)}");
    }

    /// <summary>
    /// In the child: returns once its standard input closes (the bench's signal to stop). The input is read on a thread
    /// of its own: <c>Console.In.ReadLineAsync</c> reads synchronously, and blocked a thread of the pool for the child's
    /// whole life; on one processor, where the pool starts with one thread, that made every request wait for the pool
    /// to add threads (measured: 26 ms at p50 with 8 callers, some verdicts past their 1 s interest window).
    /// </summary>
    public static Task InputClosedAsync() =>
        Task.Factory.StartNew(
            static () =>
            {
                while (Console.In.ReadLine() is not null)
                {
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    /// <summary>Closing its input stops it gracefully; one that does not stop in time is killed.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            Process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Process.Kill(entireProcessTree: true);
        }

        await _drained;
        Process.Dispose();
    }

    private async Task DrainAsync()
    {
        while (await Process.StandardOutput.ReadLineAsync() is { } line)
        {
            await Console.Error.WriteLineAsync($"[{_name}] {line}");
        }
    }
}
