namespace TrustChain.Demo;

[TrustChainWorker(WorkerName, DemoTopics.StockReserve)]
public sealed class WarehouseAWorker(ReservationLedger ledger) : WarehouseWorker("A-", ledger)
{
    public const string WorkerName = "warehouse-a";
}
