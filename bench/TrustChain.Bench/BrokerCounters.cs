using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace TrustChain.Bench;

/// <summary>
/// The broker's own message counters (messages published into it, messages it delivered), read with
/// <c>rabbitmqctl eval</c>: what a run cost the broker, counted by the broker rather than by our code.
/// </summary>
internal static partial class BrokerCounters
{
    private const string Expression =
        "O = rabbit_global_counters:overview(), {maps:get(messages_received_total, maps:get([{protocol,amqp091}], O)), " +
        "maps:get(messages_delivered_total, maps:get([{protocol,amqp091},{queue_type,rabbit_classic_queue}], O))}.";

    /// <summary>(published, delivered) so far, or null without a usable rabbitmqctl.</summary>
    public static async Task<(long Published, long Delivered)?> ReadAsync(string? ctl)
    {
        if (string.IsNullOrWhiteSpace(ctl))
        {
            return null;
        }

        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"{ctl} eval '{Expression}'");
        using var process = Process.Start(start);
        if (process is null)
        {
            return null;
        }

        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var match = Pair().Match(output);
        return process.ExitCode == 0 && match.Success
            ? (long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture))
            : null;
    }

    [GeneratedRegex(@"\{(\d+),(\d+)\}")]
    private static partial Regex Pair();
}
