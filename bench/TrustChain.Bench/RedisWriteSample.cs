using System.Globalization;

namespace TrustChain.Bench;

/// <summary>
/// Who writes what: the Redis writes of a pass of <see cref="Requests"/> requests watched with <c>MONITOR</c>, per
/// request, by owner (told by the key: a grain type's state, the reminder table, the membership table) and command.
/// </summary>
internal sealed record RedisWriteSample(int Requests, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> ByOwner)
{
    public double WritesPerRequest => ByOwner.Values.Sum(c => c.Values.Sum());

    /// <summary>E.g. "request grain state 13.00 (HMSET 13.00); reminders 2.00 (ZADD 1.00, ZREMRANGEBYLEX 1.00)".</summary>
    public string Describe() => ByOwner.Count == 0
        ? "none"
        : string.Join("; ", ByOwner
            .OrderByDescending(o => o.Value.Values.Sum())
            .ThenBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Key} {o.Value.Values.Sum():0.00} (") + string.Join(", ", o.Value
                .OrderByDescending(c => c.Value)
                .ThenBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key.ToUpperInvariant()} {c.Value:0.00}"))) + ")"));
}
