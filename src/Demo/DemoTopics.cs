namespace TrustChain.Demo;

public static class DemoTopics
{
    public const string OrderPlaced = "order.placed";

    public const string StockReserve = "stock.reserve";
}
