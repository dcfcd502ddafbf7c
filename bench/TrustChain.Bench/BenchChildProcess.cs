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

    public static BenchChildProcess Start(string name, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? throw new InvalidOperationException("The bench cannot find its own executable."))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
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

    /// <summary>Returns once the process printed <paramref name="ready"/>; fails if it ends first or takes longer than <paramref name="within"/>.</summary>
    public async Task ReadyAsync(string ready, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var seen = new List<string>();
        try
        {
            while (await Process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line == ready)
                {
                    _drained = DrainAsync();
                    return;
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
