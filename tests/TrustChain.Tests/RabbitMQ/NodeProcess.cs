using System.Collections.Concurrent;
using System.Diagnostics;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>
/// A silo or the API as a real process (<c>dotnet TrustChain.Silo.dll</c>, <c>dotnet TrustChain.Api.dll</c>) from the
/// test's output folder, configured the way an operator would: environment variables only. Its output is kept for
/// the test's log; <see cref="Kill"/> is <c>kill -9</c>.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _watches = [];

    private NodeProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>Starts a silo hosting <paramref name="workers"/> (all demo workers when empty) on the RabbitMQ engine.</summary>
    public static NodeProcess StartSilo(string nodeId, string prefix, IReadOnlyList<string>? workers = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = Settings(nodeId, prefix, settings);
        for (var i = 0; i < (workers?.Count ?? 0); i++)
        {
            environment[$"TrustChain__Workers__{i}"] = workers![i];
        }

        // The test folder merges the silo's and the API's outputs, and the build leaves out RabbitMQ.Client's
        // System.Threading.RateLimiting there because ASP.NET Core's shared framework has it. The silo runs as built,
        // with the API's framework set (the one the folder was resolved against) so that it finds it.
        return Start(nodeId, "TrustChain.Silo.dll", [], environment, runtimeConfig: "TrustChain.Api.runtimeconfig.json");
    }

    /// <summary>Starts the API on a free port of the loopback interface; see <see cref="WaitForUrlAsync"/>.</summary>
    public static NodeProcess StartApi(string nodeId, string prefix, IReadOnlyDictionary<string, string>? settings = null) =>
        Start(nodeId, "TrustChain.Api.dll", ["--urls", "http://127.0.0.1:0"], Settings(nodeId, prefix, settings));

    /// <summary>The address Kestrel reports it listens on.</summary>
    public async Task<Uri> WaitForUrlAsync()
    {
        const string marker = "Now listening on: ";
        var line = await WaitForOutputAsync(l => l.Contains(marker, StringComparison.Ordinal));
        return new Uri(line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim());
    }

    /// <summary>Completes with the first output line (past or future) that matches.</summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> match)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_watches)
        {
            _watches.Add((match, seen));
            if (_output.FirstOrDefault(match) is { } earlier)
            {
                seen.TrySetResult(earlier);
            }
        }

        return seen.Task.Guarded();
    }

    /// <summary><c>kill -9</c>: no goodbye, no acknowledgement, the socket just closes.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync().WaitAsync(Safety.Timeout);
        _process.Dispose();
    }

    private static Dictionary<string, string> Settings(string nodeId, string prefix, IReadOnlyDictionary<string, string>? settings)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TrustChain__Transport"] = "RabbitMQ",
            ["TrustChain__RabbitMQ__Uri"] = RabbitMqBroker.Uri,
            ["TrustChain__RabbitMQ__Prefix"] = prefix,
            ["TrustChain__RabbitMQ__RecoveryInterval"] = "00:00:01",
            ["TrustChain__RabbitMQ__MaxRetryDelay"] = "00:00:01",
            ["TrustChain__RabbitMQ__NodeQueueExpiry"] = "00:05:00",
            ["TrustChain__NodeId"] = nodeId,
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return environment;
    }

    private static NodeProcess Start(string name, string assembly, IEnumerable<string> arguments, Dictionary<string, string> environment, string? runtimeConfig = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        if (runtimeConfig is not null)
        {
            start.ArgumentList.Add("--runtimeconfig");
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, runtimeConfig));
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test run's own TrustChain settings, if any, must not leak into the process under test.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("TrustChain__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var node = new NodeProcess(name, process);
        process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_watches)
        {
            _output.Enqueue(line);
            foreach (var (match, seen) in _watches)
            {
                if (!seen.Task.IsCompleted && match(line))
                {
                    seen.TrySetResult(line);
                }
            }
        }
    }
}
