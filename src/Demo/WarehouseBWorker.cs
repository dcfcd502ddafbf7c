namespace TrustChain.Demo;

[TrustChainWorker(WorkerName, DemoTopics.StockReserve)]
public sealed class WarehouseBWorker(ReservationLedger ledger) : WarehouseWorker("B-", ledger)
{
    public const string WorkerName = "warehouse-b";
}
