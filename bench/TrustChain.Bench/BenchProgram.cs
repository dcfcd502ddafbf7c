using System.Globalization;

namespace TrustChain.Bench;

/// <summary>
/// The bench's entry point (a named class: the tests reference this project next to the API's <c>Program</c>).
/// </summary>
internal static class BenchProgram
{
    // TrustChain.Bench [--runs N] [--requests N] [--concurrency N] [--rabbitmq-requests N] [--latency-requests N]
    //                  [--inflight N] [--inflight-runs N] [--raw-messages N] [--only order,nointerest,nested,inflight,api]
    //                  [--engines embedded,rabbitmq] [--out results.md]
    // TrustChain.Bench worker --TrustChain:...   (a bench silo; started by the bench itself)
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "worker")
        {
            await WorkerMode.RunAsync(args[1..]);
            return 0;
        }

        if (args.Length > 0 && args[0] == "--profile-alloc")
        {
            // Allocation by type of the embedded order scenario (--profile-alloc signed: its signed variant); for
            // finding what to make cheaper.
            var variant = EmbeddedVariant.All.FirstOrDefault(v => args.Length > 1 && v.Name == args[1]) ?? EmbeddedVariant.Unsigned;
            using var profile = new AllocationProfile();
            var quick = new BenchSettings { Runs = 1, Requests = 20_000, Only = [OrderScenarios.Name] };
            profile.Start();
            await OrderScenarios.EmbeddedAsync(quick, variant);
            foreach (var (type, bytes) in profile.Top(40))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{bytes / 24_000.0,12:N0} B/req  {type}"));
            }

            return 0;
        }

        var settings = new BenchSettings
        {
            RabbitMqUri = Environment.GetEnvironmentVariable("TRUSTCHAIN_TEST_RABBITMQ_URI") is { Length: > 0 } uri ? uri : null,
            RabbitMqCtl = Environment.GetEnvironmentVariable("TRUSTCHAIN_TEST_RABBITMQCTL") is { Length: > 0 } ctl ? ctl : null,
        };
        string[]? engines = [BenchRun.Embedded, BenchRun.RabbitMq];
        string? output = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Count() => int.Parse(Next(), CultureInfo.InvariantCulture);
            string[] List() => Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            settings = args[i] switch
            {
                "--runs" => settings with { Runs = Count() },
                "--requests" => settings with { Requests = Count() },
                "--concurrency" => settings with { Concurrency = Count() },
                "--rabbitmq-requests" => settings with { RabbitMqRequests = Count() },
                "--latency-requests" => settings with { LatencyRequests = Count() },
                "--inflight" => settings with { InFlight = Count() },
                "--inflight-runs" => settings with { InFlightRuns = Count() },
                "--raw-messages" => settings with { RawMessages = Count() },
                "--only" => settings with { Only = List() },
                "--engines" => (engines = List()) is not null ? settings : settings,
                "--out" => (output = Next()) is not null ? settings : settings,
                _ => throw new ArgumentException($"Unknown argument {args[i]}."),
            };
        }

        var report = await BenchRun.RunAsync(settings, engines ?? [], Console.Error);
        var markdown = report.ToMarkdown();
        Console.WriteLine(markdown);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, markdown);
        }

        return report.Rows.Any(r => r.Failed > 0) ? 1 : 0;
    }
}
