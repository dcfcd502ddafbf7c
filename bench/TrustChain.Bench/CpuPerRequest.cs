using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace TrustChain.Bench;

/// <summary>
/// <c>TrustChain.Bench cpu-per-request unsigned|signed [REQUESTS] [RUNS] [CALLERS]</c>: the process's CPU time per
/// order request on a silo of that variant, after a warm-up, in turns with the hand-written fan-out on the same silo.
/// On a machine other work shares, throughput swings with its load, while the CPU a request costs barely does: the
/// ratio of two figures is what their throughputs would be on cores of their own. A diagnostic for comparing builds,
/// not a row of the report.
/// </summary>
internal static class CpuPerRequest
{
    public const string Name = "cpu-per-request";

    private static readonly JsonElement Payload = BenchTopics.OrderPayload(1);

    public static async Task RunAsync(EmbeddedVariant variant, int requests, int runs, int callers, TextWriter output)
    {
        var settings = new BenchSettings { Only = [OrderScenarios.Name] };
        await using var silo = await BenchSilo.StartAsync(settings, "bench-cpu", silo: variant.Configure);
        var dispatcher = silo.Dispatcher;
        var grains = silo.Grains;
        async Task<bool> Order(int _) => Measure.IsOrderDone(await dispatcher.DispatchAsync(BenchTopics.Order, Payload));
        Task<bool> ByHand(int _) => OrderScenarios.OrderByHandAsync(grains);

        // Long enough for tiered compilation to settle: the first thousands of requests cost several times more.
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Load.RunAsync(1_000, callers, Order);
            await Load.RunAsync(1_000, callers, ByHand);
        }

        for (var run = 0; run < runs; run++)
        {
            foreach (var (name, operation) in new[] { ("by hand", (Func<int, Task<bool>>)ByHand), (variant.Name, Order) })
            {
                var before = Process.GetCurrentProcess().TotalProcessorTime;
                var result = await Load.RunAsync(requests, callers, operation);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime - before;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-9}: {result.RequestsPerSecond,8:N0} req/s, p50 {result.P50Ms,7:N2} ms, {cpu.TotalMicroseconds / requests,7:N0} µs CPU/request, {result.AllocatedBytesPerRequest,9:N0} B/request, {result.Failed} failed"));
            }
        }
    }
}
