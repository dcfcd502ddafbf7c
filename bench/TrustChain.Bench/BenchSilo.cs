using System.Diagnostics;
using TrustChain.Hosting;

namespace TrustChain.Bench;

/// <summary>A silo hosting the bench workers on RabbitMQ: a process of its own, or a host in this process.</summary>
internal sealed class BenchSilo : IAsyncDisposable
{
    private readonly Process? _process;
    private readonly BenchNode? _node;

    private BenchSilo(Process? process, BenchNode? node)
    {
        _process = process;
        _node = node;
    }

    public static async Task<BenchSilo> StartAsync(string nodeId, string uri, string prefix, bool inProcess)
    {
        if (inProcess)
        {
            return new BenchSilo(null, await BenchNode.StartAsync(nodeId, b => b.UseRabbitMQ(o => Configure(o, uri, prefix)).AddBenchWorkers()));
        }

        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The bench cannot find its own executable.");
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(typeof(BenchSilo).Assembly.Location);
        }

        foreach (var argument in new[]
        {
            "worker", "--TrustChain:Transport=RabbitMQ", $"--TrustChain:NodeId={nodeId}",
            $"--TrustChain:RabbitMQ:Uri={uri}", $"--TrustChain:RabbitMQ:Prefix={prefix}",
        })
        {
            start.ArgumentList.Add(argument);
        }

        return new BenchSilo(Process.Start(start) ?? throw new InvalidOperationException("The bench silo did not start."), null);
    }

    public static void Configure(Engines.RabbitMQ.RabbitMqOptions options, string uri, string prefix)
    {
        options.Uri = uri;
        options.Prefix = prefix;
    }

    public async ValueTask DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        if (_process is not null)
        {
            // Closing its input stops it gracefully; a silo that does not stop in time is killed.
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }
}
