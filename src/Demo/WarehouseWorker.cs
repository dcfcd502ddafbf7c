namespace TrustChain.Silo.Demo;

/// <summary>
/// Interested in the stock items whose SKU starts with its prefix; reserves them tentatively in the node's
/// <see cref="ReservationLedger"/> and answers what it reserved. The reservation is confirmed when the order commits
/// and released when it aborts or no decision comes.
/// </summary>
public abstract class WarehouseWorker(string name, string skuPrefix, ReservationLedger ledger) : DemoWorker<StockReserve, WarehouseWorker.Reserved>
{
    public override string Name => name;

    public override IReadOnlyCollection<string> Topics { get; } = [DemoTopics.StockReserve];

    protected override bool Wants(StockReserve payload) => Mine(payload).Any();

    protected override Task<Reserved> WorkAsync(StockReserve payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var items = Mine(payload).ToList();
        var request = context.RequestId;
        ledger.Reserve(Name, request, payload.OrderId, items);
        context.Tentative(
            onCommit: () =>
            {
                ledger.Confirm(Name, request);
                return ValueTask.CompletedTask;
            },
            onAbort: () =>
            {
                ledger.Release(Name, request);
                return ValueTask.CompletedTask;
            },
            description: "reserved " + string.Join(", ", items.Select(i => $"{i.Sku} x{i.Qty}")));
        return Task.FromResult(new Reserved(Name, items));
    }

    private IEnumerable<OrderItem> Mine(StockReserve payload) =>
        payload.Items.Where(i => i.Sku?.StartsWith(skuPrefix, StringComparison.Ordinal) == true && i.Qty > 0);

    public sealed record Reserved(string Warehouse, IReadOnlyList<OrderItem> Items);
}
