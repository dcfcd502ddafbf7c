namespace TrustChain.Demo;

/// <summary>Interested in orders with items; reserves them by dispatching a nested <c>stock.reserve</c>.</summary>
[TrustChainWorker(WorkerName, DemoTopics.OrderPlaced)]
public sealed class InventoryWorker : DemoWorker<OrderPlaced, InventoryWorker.Reservation>
{
    public const string WorkerName = "inventory";

    protected override bool Wants(OrderPlaced payload) => payload.Items is { Count: > 0 };

    protected override async Task<Reservation> WorkAsync(OrderPlaced payload, IWorkerContext context)
    {
        var reserve = new StockReserve
        {
            OrderId = payload.OrderId,
            Items = payload.Items!,
            WorkMs = payload.WorkMs,
            VerdictMs = payload.VerdictMs,
            Fail = payload.Fail,
        };
        var outcome = await context.DispatchAsync(DemoTopics.StockReserve, reserve).ConfigureAwait(true);
        var reserved = outcome.Results
            .Where(r => r.Status == WorkerResultStatus.Succeeded && r.Payload is not null)
            .SelectMany(r => Serialization.TrustChainJson.FromElement<WarehouseWorker.Reserved>(r.Payload!.Value)!.Items)
            .ToList();
        var missing = payload.Items!.Where(i => !reserved.Any(r => r.Sku == i.Sku)).Select(i => i.Sku).ToList();
        return new Reservation(outcome.Status == RequestStatus.Completed && missing.Count == 0, reserved, missing);
    }

    public sealed record Reservation(bool Complete, IReadOnlyList<OrderItem> Reserved, IReadOnlyList<string> Unavailable);
}
