using System.Text.Json;

namespace TrustChain.Bench;

/// <summary>The topics, worker names and payload every scenario uses, on every silo.</summary>
internal static class BenchTopics
{
    /// <summary>An order.placed-like task: three workers interested, two declining.</summary>
    public const string Order = "bench.order";

    /// <summary>Only the two decliners subscribe: the answer is NoInterest.</summary>
    public const string Nobody = "bench.nobody";

    /// <summary>One waiting worker: the many-in-flight scenario.</summary>
    public const string Wait = "bench.wait";

    public const string Waiter = "bench-waiter";

    public const int MaxDepth = 5;

    public static readonly string[] Interested = ["bench-inventory", "bench-fraud", "bench-loyalty"];

    public static readonly string[] Decliners = ["bench-shipping", "bench-tax"];

    /// <summary>Nested level <paramref name="level"/> (1-based) is served by its own worker, so a level never waits on a slot of its own worker.</summary>
    public static string Nested(int level) => $"bench.nested.{level}";

    public static string NestedWorker(int level) => $"bench-nested-{level}";

    /// <summary>A payload the size of a small order: id, customer, amount, three lines.</summary>
    public static JsonElement OrderPayload(int i) => JsonSerializer.SerializeToElement(new
    {
        orderId = $"o-{i}",
        customerId = "c-42",
        amount = 1250,
        items = new[] { new { sku = "A-1", qty = 2 }, new { sku = "B-9", qty = 1 }, new { sku = "C-3", qty = 4 } },
    });

    public static JsonElement NestedPayload(int depth) => JsonSerializer.SerializeToElement(new { depth });
}
