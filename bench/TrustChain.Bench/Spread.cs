using System.Globalization;

namespace TrustChain.Bench;

/// <summary>The median of several runs with their min and max.</summary>
internal readonly record struct Spread(double Median, double Min, double Max)
{
    public static Spread Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Spread(double.NaN, double.NaN, double.NaN);
        }

        var median = sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        return new Spread(median, sorted[0], sorted[^1]);
    }

    public string Format(string format) => double.IsNaN(Median)
        ? "n/a"
        : Min.Equals(Max)
            ? Median.ToString(format, CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{Median.ToString(format, CultureInfo.InvariantCulture)} ({Min.ToString(format, CultureInfo.InvariantCulture)}–{Max.ToString(format, CultureInfo.InvariantCulture)})");
}
