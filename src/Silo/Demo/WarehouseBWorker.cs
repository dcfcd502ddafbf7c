namespace TrustChain.Silo.Demo;

public sealed class WarehouseBWorker() : WarehouseWorker(WorkerName, "B-")
{
    public const string WorkerName = "warehouse-b";
}
