using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace TrustChain.Tests.Grains;

/// <summary>
/// Seeded, deterministic simulation of the protocol (see <see cref="ProtocolSimulation"/>). Every seed builds a random
/// request, workers and network and checks the protocol after every step. A failure names its seed and prints the
/// whole event trace; replay it alone with <c>TRUSTCHAIN_SIM_SEED_BASE={seed} TRUSTCHAIN_SIM_SEEDS=1</c>, or add the
/// seed to <see cref="A_fixed_seed_keeps_every_protocol_invariant"/>.
/// </summary>
public class ProtocolSimulationTests(ITestOutputHelper output)
{
    private const int DefaultSeedBase = 20_260_000;
    private const int DefaultSeedCount = 4_000;
    private const int CoverageMinimumSeeds = 1_000;

    [Fact]
    public void Thousands_of_seeded_schedules_keep_every_protocol_invariant()
    {
        var seedBase = FromEnvironment("TRUSTCHAIN_SIM_SEED_BASE", DefaultSeedBase);
        var count = FromEnvironment("TRUSTCHAIN_SIM_SEEDS", DefaultSeedCount);
        output.WriteLine($"Protocol simulation: seed base {seedBase}, {count} seeds ({seedBase}..{seedBase + count - 1}).");

        var stopwatch = Stopwatch.StartNew(); // reported only; the simulation itself never reads a clock
        var reports = new List<SimulationReport>(count);
        var failures = new List<string>();
        for (var seed = seedBase; seed < seedBase + count && failures.Count < 3; seed++)
        {
            try
            {
                reports.Add(ProtocolSimulation.Run(seed));
            }
            catch (XunitException ex)
            {
                failures.Add(ex.Message);
            }
        }

        output.WriteLine($"Ran {reports.Count + failures.Count} seeds in {stopwatch.ElapsedMilliseconds} ms.");
        output.WriteLine("Statuses: " + string.Join(", ", reports.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
        output.WriteLine("Rejections seen: " + string.Join(", ", reports.SelectMany(r => r.Reasons).Distinct().Order()));
        Assert.True(
            failures.Count == 0,
            $"Seed base {seedBase}: {failures.Count} seed(s) failed (stopped at the third).{Environment.NewLine}{Environment.NewLine}"
            + string.Join(Environment.NewLine + Environment.NewLine, failures));

        if (count >= CoverageMinimumSeeds)
        {
            // The generator must actually reach every ending and every refusal, or the invariants prove little.
            var statuses = reports.Select(r => r.Status).ToHashSet();
            Assert.All(
                [RequestStatus.Completed, RequestStatus.Partial, RequestStatus.NoInterest, RequestStatus.TimedOut, RequestStatus.Cancelled],
                s => Assert.Contains(s, statuses));
            var reasons = reports.SelectMany(r => r.Reasons).ToHashSet();
            Assert.All(
                [
                    RejectionReason.InterestClosed, RejectionReason.RequestEnded, RejectionReason.NotInterested,
                    RejectionReason.DuplicateResult, RejectionReason.ConflictingVerdict, RejectionReason.LeaseExpired,
                    RejectionReason.TopicMismatch,
                ],
                r => Assert.Contains(r, reasons));
            var workerStatuses = reports.SelectMany(r => r.WorkerStatuses).ToHashSet();
            Assert.All(
                [WorkerResultStatus.Succeeded, WorkerResultStatus.Failed, WorkerResultStatus.Lost, WorkerResultStatus.TimedOut, WorkerResultStatus.Cancelled],
                s => Assert.Contains(s, workerStatuses));

            // A first lapse is only a redelivery: some redelivered workers must still deliver, others lapse again.
            var redeliveredThen = reports.SelectMany(r => r.RedeliveredThen).ToHashSet();
            Assert.All([WorkerResultStatus.Succeeded, WorkerResultStatus.Lost], s => Assert.Contains(s, redeliveredThen));
        }
    }

    /// <summary>Seeds worth keeping, with how they end (the schedule generator is part of what they pin).</summary>
    [Theory]
    [InlineData(272, RequestStatus.Partial)] // a verdict on another topic, a late verdict, one failure
    [InlineData(146, RequestStatus.Partial)] // a duplicate result, results from workers whose verdicts came too late
    [InlineData(11, RequestStatus.Partial)] // a changed verdict, a late verdict (its worker counts as silent)
    [InlineData(179, RequestStatus.Partial)] // a result replayed on another topic
    [InlineData(100, RequestStatus.Partial)] // a result after the worker's lease lapsed twice (once redelivered, then lost)
    [InlineData(17, RequestStatus.Completed)] // a worker whose lease lapsed answers its redelivered task in time
    [InlineData(10, RequestStatus.Cancelled)]
    [InlineData(42, RequestStatus.TimedOut)]
    public void A_fixed_seed_keeps_every_protocol_invariant(int seed, RequestStatus expected)
    {
        var report = ProtocolSimulation.Run(seed);

        output.WriteLine(report.Trace);
        Assert.Equal(expected, report.Status);
    }

    [Fact]
    public void Replaying_a_seed_gives_the_same_trace()
    {
        var first = ProtocolSimulation.Run(7);
        var again = ProtocolSimulation.Run(7);
        var other = ProtocolSimulation.Run(8);

        Assert.Equal(first.Trace, again.Trace);
        Assert.NotEqual(first.Trace, other.Trace);
    }

    private static int FromEnvironment(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
