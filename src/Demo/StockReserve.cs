namespace TrustChain.Demo;

/// <summary>The payload of <c>stock.reserve</c>, dispatched by <c>inventory</c>.</summary>
public sealed record StockReserve : DemoKnobs
{
    public string? OrderId { get; init; }

    public IReadOnlyList<OrderItem> Items { get; init; } = [];
}
