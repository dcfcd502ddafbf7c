using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace TrustChain.Bench;

/// <summary>Where and when a run happened, and how loaded the machine was around it (Linux load average).</summary>
internal sealed record BenchMachine(DateTimeOffset StartedAt, DateTimeOffset EndedAt, string? LoadBefore, string? LoadAfter)
{
    public static string? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static string? MemoryGb()
    {
        try
        {
            var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
            var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return kb is null ? null : (double.Parse(kb, CultureInfo.InvariantCulture) / (1024 * 1024)).ToString("0", CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static string OrleansVersion()
    {
        var version = typeof(IGrainFactory).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        return version.Split('+')[0];
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Environment.ProcessorCount} cores, {(MemoryGb() is { } gb ? $"{gb} GB RAM, " : "")}{RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, Orleans {OrleansVersion()}; {StartedAt:yyyy-MM-dd HH:mm}–{EndedAt:HH:mm} UTC{(LoadBefore is null ? "" : $"; load average {LoadBefore} before, {LoadAfter} after")}");
}
