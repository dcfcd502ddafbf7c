namespace TrustChain.Silo.Demo;

/// <summary>Interested in the stock items whose SKU starts with its prefix; answers what it reserved.</summary>
public abstract class WarehouseWorker(string name, string skuPrefix) : DemoWorker<StockReserve, WarehouseWorker.Reserved>
{
    public override string Name => name;

    public override IReadOnlyCollection<string> Topics { get; } = [DemoTopics.StockReserve];

    protected override bool Wants(StockReserve payload) => Mine(payload).Any();

    protected override Task<Reserved> WorkAsync(StockReserve payload, IWorkerContext context) =>
        Task.FromResult(new Reserved(Name, Mine(payload).ToList()));

    private IEnumerable<OrderItem> Mine(StockReserve payload) =>
        payload.Items.Where(i => i.Sku?.StartsWith(skuPrefix, StringComparison.Ordinal) == true && i.Qty > 0);

    public sealed record Reserved(string Warehouse, IReadOnlyList<OrderItem> Items);
}
