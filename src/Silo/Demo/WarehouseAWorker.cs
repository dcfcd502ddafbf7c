namespace TrustChain.Silo.Demo;

public sealed class WarehouseAWorker() : WarehouseWorker(WorkerName, "A-")
{
    public const string WorkerName = "warehouse-a";
}
