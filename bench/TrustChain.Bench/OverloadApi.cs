using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TrustChain.Api;

namespace TrustChain.Bench;

/// <summary>
/// The overload scenario's API (co-hosting its silo, as <c>src/Api</c> does) as a process of its own,
/// <c>TrustChain.Bench overload-api [--interest-window T] KEY=VALUE…</c>, started on processors of its own
/// (<c>taskset</c>) while the load's client runs on the others: on a machine where client and server shared the
/// processors, the client's cost of sending what the API refuses took the CPU the API needed to serve what it
/// accepted, and the scenario measured the load generator as much as the API (docs/benchmarks.md, overload). Says
/// its address when ready; <see cref="InFlightPath"/> tells its in-flight limits; stops when its standard input closes.
/// </summary>
internal static class OverloadApi
{
    public const string Mode = "overload-api";
    public const string ReadyPrefix = "bench overload api at ";

    /// <summary>The child's in-flight limits, for the scenario's setup line and its sampling of the node's limit.</summary>
    public const string InFlightPath = "bench/in-flight";

    /// <summary>What <see cref="InFlightPath"/> answers.</summary>
    public sealed record InFlightView(int Max, int MaxPerClient, int Limit, bool Adaptive, double StartLatencyTargetMs)
    {
        /// <summary>The limits of the API whose services these are, now.</summary>
        public static InFlightView Of(IServiceProvider services)
        {
            var limit = services.GetRequiredService<InFlightLimit>();
            var options = services.GetRequiredService<IOptions<TrustChainApiOptions>>().Value;
            return new InFlightView(limit.Max, limit.MaxPerClient, limit.Limit, options.AdaptiveInFlight, options.StartLatencyTarget.TotalMilliseconds);
        }
    }

    /// <summary>The child's command line for an API of <paramref name="configuration"/>.</summary>
    public static IReadOnlyList<string> Arguments(BenchSettings settings, IReadOnlyDictionary<string, string?> configuration)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(configuration);
        var arguments = new List<string> { Mode };
        if (settings.InterestWindow is { } window)
        {
            arguments.Add("--interest-window");
            arguments.Add(window.ToString("c", CultureInfo.InvariantCulture));
        }

        arguments.AddRange(configuration.Select(c => $"{c.Key}={c.Value}"));
        return arguments;
    }

    /// <summary>Runs the child: <paramref name="arguments"/> as <see cref="Arguments"/> made them, without the mode.</summary>
    public static async Task ChildAsync(IReadOnlyList<string> arguments)
    {
        var settings = new BenchSettings();
        var configuration = new Dictionary<string, string?>();
        for (var i = 0; i < arguments.Count; i++)
        {
            if (arguments[i] == "--interest-window")
            {
                settings = settings with { InterestWindow = TimeSpan.Parse(arguments[++i], CultureInfo.InvariantCulture) };
                continue;
            }

            var equals = arguments[i].IndexOf('=', StringComparison.Ordinal);
            configuration[arguments[i][..equals]] = arguments[i][(equals + 1)..];
        }

        await using var api = await BenchApi.StartAsync(settings, "bench-overload", configuration, map: app => app.MapGet(InFlightPath, (IServiceProvider services) => InFlightView.Of(services)));
        Console.WriteLine($"{ReadyPrefix}{api.Address}");
        await BenchChildProcess.InputClosedAsync();
    }

    /// <summary>The child's limits now.</summary>
    public static async Task<InFlightView> InFlightAsync(HttpClient http, Uri api, IReadOnlyList<string> keys)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api, InFlightPath));
        if (keys.Count > 0)
        {
            request.Headers.Add(ApiKeyMiddleware.HeaderName, keys[0]);
        }

        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<InFlightView>() ?? throw new InvalidOperationException("The overload API did not tell its limits.");
    }

    /// <summary>
    /// The processors this process may run on, in order, when it can pin processes to some of them (Linux with
    /// <c>taskset</c>); else null.
    /// </summary>
    public static IReadOnlyList<int>? AllowedProcessors()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/status")
            || !(Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(d => File.Exists(Path.Combine(d, "taskset"))))
        {
            return null;
        }

        // Cpus_allowed_list: "0-3,8,10-11", what taskset, a cpuset or the container left this process.
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        var processors = new List<int>();
        foreach (var range in line["Cpus_allowed_list:".Length..].Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = range.Split('-');
            var from = int.Parse(bounds[0], CultureInfo.InvariantCulture);
            var to = bounds.Length > 1 ? int.Parse(bounds[1], CultureInfo.InvariantCulture) : from;
            processors.AddRange(Enumerable.Range(from, to - from + 1));
        }

        return processors;
    }

    /// <summary>
    /// Keeps every thread of this process, those to come included, on <paramref name="cpus"/> (a <c>taskset</c> list,
    /// e.g. <c>1</c> or <c>2,3</c>).
    /// </summary>
    public static void PinThisProcess(string cpus)
    {
        using var taskset = Process.Start(new ProcessStartInfo("taskset", ["--all-tasks", "--pid", "--cpu-list", cpus, Environment.ProcessId.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("taskset did not start.");
        taskset.StandardOutput.ReadToEnd();
        taskset.WaitForExit();
        if (taskset.ExitCode != 0)
        {
            throw new InvalidOperationException($"taskset could not pin the bench to processors {cpus} (exit code {taskset.ExitCode}).");
        }
    }

    /// <summary><see cref="PinThisProcess"/> where a failure must not hide what went before (giving the processors back).</summary>
    public static void TryPinThisProcess(string cpus)
    {
        try
        {
            PinThisProcess(cpus);
        }
#pragma warning disable CA1031 // said on standard error; the rows already measured stand
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"The bench could not give itself processors {cpus} back: {e.Message}");
        }
    }
}
