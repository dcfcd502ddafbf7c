using System.Globalization;

namespace TrustChain.Bench;

/// <summary>
/// The bench's entry point (a named class: the tests reference this project next to the API's <c>Program</c>).
/// </summary>
internal static class BenchProgram
{
    // TrustChain.Bench [--runs N] [--throughput-runs N] [--polled-runs N] [--requests N] [--concurrency N] [--latency-requests N] [--polled-latency-requests N]
    //                  [--nested-requests N] [--inflight N] [--inflight-runs N] [--idle-window-ms N] [--idle-runs N]
    //                  [--overload-window-ms N] [--overload-factor X] [--overload-clients N] [--overload-setting TrustChain:Api:KEY=VALUE ...]
    //                  [--redis host:port] [--cluster-sample-requests N]
    //                  [--only order,nointerest,nested,cluster,api,overload,idle,inflight] [--out results.md]
    //                  [--doc docs/benchmarks.md --command "..." --machine-note "..."]
    // TrustChain.Bench idle-silo TARGET   (a silo whose idle CPU the bench measures; started by the bench itself)
    // TrustChain.Bench overload-api KEY=VALUE…   (the overload scenario's API on processors of its own; likewise)
    // TrustChain.Bench cluster-silo --ConnectionStrings:redis=… --Orleans:…   (a silo of the cluster rows; likewise)
    // TrustChain.Bench --profile-alloc [unsigned|signed]
    // TrustChain.Bench signing-cost [ITERATIONS]   (one signature's cost, apart from Orleans: ECDSA P-256 vs Ed25519)
    // TrustChain.Bench cpu-per-request unsigned|signed [REQUESTS] [RUNS]   (CPU time per order request, on a shared machine)
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == ClusterSilo.Mode)
        {
            await ClusterSilo.ChildAsync(args[1..]);
            return 0;
        }

        if (args.Length > 0 && args[0] == OverloadApi.Mode)
        {
            await OverloadApi.ChildAsync(args[1..]);
            return 0;
        }

        if (args.Length > 1 && args[0] == "idle-silo")
        {
            await IdleCpuScenario.ChildAsync(args[1]);
            return 0;
        }

        if (args.Length >= 3 && args[0] == RetainedMemoryScenario.Name)
        {
            // One retained-memory row in a process of its own (RSS never shrinks back within a process):
            // retained Payload|Result default|BYTES [REQUESTS]
            var shape = Enum.Parse<RetainedMemoryScenario.Shape>(args[1]);
            long? max = args[2] == "default" ? null : long.Parse(args[2], CultureInfo.InvariantCulture);
            var count = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2000;
            var result = await RetainedMemoryScenario.RunAsync(new RetainedMemoryScenario.Options(shape, count, MaxRetainedBytes: max), Console.Error);
            Console.WriteLine(result.ToMarkdownRow());
            return 0;
        }

        if (args.Length >= 2 && args[0] == "retained-doc")
        {
            // The rows on standard input, as a table between the retained markers of the document named.
            var rows = (await Console.In.ReadToEndAsync()).Trim();
            var table = $"{RetainedMemoryScenario.Result.MarkdownHeader}\n{rows}";
            var target = File.Exists(args[1]) ? await File.ReadAllTextAsync(args[1]) : string.Empty;
            await File.WriteAllTextAsync(args[1], BenchReport.Splice(target, table, RetainedMemoryScenario.Result.BeginMarker, RetainedMemoryScenario.Result.EndMarker));
            Console.WriteLine(table);
            return 0;
        }

        if (args.Length > 0 && args[0] == SigningCost.Name)
        {
            SigningCost.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000, Console.Out);
            return 0;
        }

        if (args.Length > 1 && args[0] == CpuPerRequest.Name)
        {
            var variant = EmbeddedVariant.All.Single(v => v.Name == args[1]);
            var requests = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3_000;
            var runs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;
            var callers = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 32;
            await CpuPerRequest.RunAsync(variant, requests, runs, callers, Console.Out);
            return 0;
        }

        if (args.Length > 0 && args[0] == "--profile-alloc")
        {
            // Allocation by type of the order scenario (--profile-alloc signed: its signed variant); for finding what
            // to make cheaper.
            var variant = EmbeddedVariant.All.FirstOrDefault(v => args.Length > 1 && v.Name == args[1]) ?? EmbeddedVariant.Unsigned;
            using var profile = new AllocationProfile();
            var quick = new BenchSettings { ThroughputRuns = 1, Requests = 5_000, Only = [OrderScenarios.Name] };
            var requests = quick.Requests + BenchSettings.WarmUp(quick.Requests);
            profile.Start();
            await OrderScenarios.EmbeddedAsync(quick, [variant]);
            foreach (var (type, bytes) in profile.Top(40))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(double)bytes / requests,12:N0} B/req  {type}"));
            }

            return 0;
        }

        var settings = new BenchSettings();
        string? output = null;
        string? document = null;
        string? command = null;
        string? machineNote = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Count() => int.Parse(Next(), CultureInfo.InvariantCulture);
            string[] List() => Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            settings = args[i] switch
            {
                "--runs" => settings with { Runs = Count() },
                "--throughput-runs" => settings with { ThroughputRuns = Count() },
                "--polled-runs" => settings with { PolledRuns = Count() },
                "--requests" => settings with { Requests = Count() },
                "--concurrency" => settings with { Concurrency = Count() },
                "--latency-requests" => settings with { LatencyRequests = Count() },
                "--polled-latency-requests" => settings with { PolledLatencyRequests = Count() },
                "--nested-requests" => settings with { NestedRequests = Count() },
                "--inflight" => settings with { InFlight = Count() },
                "--inflight-runs" => settings with { InFlightRuns = Count() },
                "--idle-window-ms" => settings with { IdleWindow = TimeSpan.FromMilliseconds(Count()) },
                "--idle-runs" => settings with { IdleRuns = Count() },
                "--overload-window-ms" => settings with { OverloadWindow = TimeSpan.FromMilliseconds(Count()) },
                "--overload-clients" => settings with { OverloadClients = Count() },
                "--overload-setting" => settings with { OverloadApiSettings = Setting(settings.OverloadApiSettings, Next()) },
                "--overload-factor" => settings with { OverloadFactor = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--only" => settings with { Only = List() },
                "--redis" => settings with { Redis = Next() },
                "--cluster-sample-requests" => settings with { ClusterSampleRequests = Count() },
                "--out" => (output = Next()) is not null ? settings : settings,
                "--doc" => (document = Next()) is not null ? settings : settings,
                "--command" => (command = Next()) is not null ? settings : settings,
                "--machine-note" => (machineNote = Next()) is not null ? settings : settings,
                _ => throw new ArgumentException($"Unknown argument {args[i]}."),
            };
        }

        var unknown = settings.Only.Except(BenchRun.Scenarios, StringComparer.OrdinalIgnoreCase).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown scenario(s) {string.Join(", ", unknown)}; the scenarios are {string.Join(", ", BenchRun.Scenarios)}.");
        }

        var report = await BenchRun.RunAsync(settings, Console.Error);
        var markdown = report.ToMarkdown(command, machineNote);
        Console.WriteLine(markdown);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, markdown);
        }

        if (document is not null)
        {
            var text = File.Exists(document) ? await File.ReadAllTextAsync(document) : string.Empty;
            await File.WriteAllTextAsync(document, BenchReport.Splice(text, markdown));
        }

        return report.Rows.Any(r => r.Failed > 0) ? 1 : 0;
    }

    /// <summary><paramref name="settings"/> with <paramref name="assignment"/> (<c>KEY=VALUE</c>) added.</summary>
    private static Dictionary<string, string?> Setting(IReadOnlyDictionary<string, string?> settings, string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new ArgumentException($"--overload-setting takes KEY=VALUE, not '{assignment}'.");
        }

        return new Dictionary<string, string?>(settings) { [assignment[..equals]] = assignment[(equals + 1)..] };
    }
}
