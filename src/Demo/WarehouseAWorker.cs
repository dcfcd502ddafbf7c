namespace TrustChain.Silo.Demo;

public sealed class WarehouseAWorker(ReservationLedger ledger) : WarehouseWorker(WorkerName, "A-", ledger)
{
    public const string WorkerName = "warehouse-a";
}
