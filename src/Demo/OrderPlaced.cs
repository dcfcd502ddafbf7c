namespace TrustChain.Demo;

/// <summary>The payload of <c>order.placed</c>.</summary>
public sealed record OrderPlaced : DemoKnobs
{
    public string? OrderId { get; init; }

    public string? CustomerId { get; init; }

    /// <summary>
    /// Required: an order without an amount would read as 0 and skip the fraud check. Being <c>required</c>, it is
    /// required in the topic's schema too, so such a body is refused at the door.
    /// </summary>
    public required decimal Amount { get; init; }

    public IReadOnlyList<OrderItem>? Items { get; init; }
}
