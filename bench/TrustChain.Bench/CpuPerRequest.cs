using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace TrustChain.Bench;

/// <summary>
/// <c>TrustChain.Bench cpu-per-request unsigned|signed [REQUESTS] [RUNS]</c>: the process's CPU time per order request
/// on a silo of that variant, after a warm-up. On a machine other work shares, throughput swings with its load, while
/// the CPU a request costs barely does: the ratio of two variants' figures is what their throughputs would be on
/// cores of their own. A diagnostic for comparing builds, not a row of the report.
/// </summary>
internal static class CpuPerRequest
{
    public const string Name = "cpu-per-request";

    private static readonly JsonElement Payload = BenchTopics.OrderPayload(1);

    public static async Task RunAsync(EmbeddedVariant variant, int requests, int runs, TextWriter output)
    {
        var settings = new BenchSettings { Only = [OrderScenarios.Name] };
        await using var silo = await BenchSilo.StartAsync(settings, "bench-cpu", silo: variant.Configure);
        var dispatcher = silo.Dispatcher;
        async Task<bool> Order(int _) => Measure.IsOrderDone(await dispatcher.DispatchAsync(BenchTopics.Order, Payload));

        await Load.RunAsync(BenchSettings.WarmUp(requests), settings.Concurrency, Order);
        for (var run = 0; run < runs; run++)
        {
            var before = Process.GetCurrentProcess().TotalProcessorTime;
            var result = await Load.RunAsync(requests, settings.Concurrency, Order);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - before;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{variant.Name}: {cpu.TotalMicroseconds / requests:N0} µs CPU/request, {result.AllocatedBytesPerRequest:N0} B/request, {result.Failed} failed"));
        }
    }
}
