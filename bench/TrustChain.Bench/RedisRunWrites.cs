using System.Globalization;

namespace TrustChain.Bench;

/// <summary>
/// What Redis wrote during one measured run, per request of the run, as Redis itself counted it
/// (<c>INFO commandstats</c>): the commands <c>COMMAND INFO</c> flags <c>write</c>, whether a script ran them or a
/// client sent them; a script (<c>EVAL</c>, <c>EVALSHA</c>) is not a write itself, the writes it runs are, and
/// <see cref="ScriptsPerRequest"/> counts the scripts. <see cref="InputBytesPerRequest"/>: what Redis received
/// (<c>total_net_input_bytes</c>), commands and the states they write, reads' requests included.
/// </summary>
internal sealed record RedisRunWrites(double WritesPerRequest, double ScriptsPerRequest, IReadOnlyDictionary<string, double> ByCommand, double InputBytesPerRequest)
{
    /// <summary>The key of <see cref="WritesPerRequest"/> in a run's extra figures (and the "more" column).</summary>
    public const string ExtraName = "Redis writes/req";

    /// <summary>Per command, the median over <paramref name="runs"/> of its writes per request, most first.</summary>
    public static string DescribeByCommand(IEnumerable<RedisRunWrites> runs)
    {
        var all = runs.ToList();
        return string.Join(", ", all.SelectMany(r => r.ByCommand.Keys).Distinct()
            .Select(c => (Command: c, PerRequest: Spread.Of(all.Select(r => r.ByCommand.GetValueOrDefault(c))).Median))
            .OrderByDescending(c => c.PerRequest)
            .ThenBy(c => c.Command, StringComparer.Ordinal)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Command.ToUpperInvariant()} {c.PerRequest:0.00}")));
    }
}
