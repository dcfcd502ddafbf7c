using TrustChain.Serialization;

namespace TrustChain.Demo;

/// <summary>
/// Interested in the stock items whose SKU starts with its prefix; reserves them tentatively in the silo's
/// <see cref="ReservationLedger"/> and answers what it reserved. The reservation is kept as data in the worker grain's
/// state: confirmed when the order commits, released when it aborts or no decision comes, on whichever silo the
/// grain then lives.
/// </summary>
public abstract class WarehouseWorker(string skuPrefix, ReservationLedger ledger) : DemoWorker<StockReserve, WarehouseWorker.Reserved>
{
    public const string ReservationKind = "reservation";

    protected override bool Wants(StockReserve payload) => Mine(payload).Any();

    protected override Task<Reserved> WorkAsync(StockReserve payload, IWorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var items = Mine(payload).ToList();
        var reservation = new Reservation(payload.OrderId, items);
        ledger.Reserve(Name, context.RequestId, payload.OrderId, items);
        context.Tentative(new TentativeEffect(
            ReservationKind,
            TrustChainJson.ToElement(reservation),
            "reserved " + string.Join(", ", items.Select(i => $"{i.Sku} x{i.Qty}"))));
        return Task.FromResult(new Reserved(Name, items));
    }

    protected override Task CommitAsync(RequestId request, TentativeEffect effect)
    {
        ArgumentNullException.ThrowIfNull(effect);
        var reservation = effect.Data is { } data ? TrustChainJson.FromElement<Reservation>(data) : null;
        ledger.Confirm(Name, request, reservation?.OrderId, reservation?.Items ?? []);
        return Task.CompletedTask;
    }

    protected override Task AbortAsync(RequestId request, TentativeEffect effect)
    {
        ledger.Release(Name, request);
        return Task.CompletedTask;
    }

    private IEnumerable<OrderItem> Mine(StockReserve payload) =>
        payload.Items.Where(i => i.Sku?.StartsWith(skuPrefix, StringComparison.Ordinal) == true && i.Qty > 0);

    public sealed record Reserved(string Warehouse, IReadOnlyList<OrderItem> Items);

    /// <summary>What the tentative effect carries: enough to confirm the reservation on any silo.</summary>
    public sealed record Reservation(string? OrderId, IReadOnlyList<OrderItem> Items);
}
