namespace TrustChain.Demo;

/// <summary>The payload of <c>order.placed</c>.</summary>
public sealed record OrderPlaced : DemoKnobs
{
    public string? OrderId { get; init; }

    public string? CustomerId { get; init; }

    public decimal Amount { get; init; }

    public IReadOnlyList<OrderItem>? Items { get; init; }
}
