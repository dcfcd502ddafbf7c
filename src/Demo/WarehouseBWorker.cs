namespace TrustChain.Silo.Demo;

public sealed class WarehouseBWorker(ReservationLedger ledger) : WarehouseWorker(WorkerName, "B-", ledger)
{
    public const string WorkerName = "warehouse-b";
}
