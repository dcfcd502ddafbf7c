using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TrustChain.Hosting;

namespace TrustChain.Demo;

public static class DemoWorkersExtensions
{
    /// <summary>Every demo worker's name.</summary>
    public static IReadOnlyList<string> All { get; } =
        [InventoryWorker.WorkerName, FraudWorker.WorkerName, LoyaltyWorker.WorkerName, WarehouseAWorker.WorkerName, WarehouseBWorker.WorkerName];

    /// <summary>
    /// What the demo workers need on a silo: the warehouses' reservation ledger and the order summary aggregator. The
    /// worker grain classes come with this assembly; <c>TrustChain:Workers</c> picks a subset.
    /// </summary>
    public static ISiloBuilder AddDemoWorkers(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<ReservationLedger>();
        builder.Services.AddTrustChainAggregator<OrderSummaryAggregator>();
        return builder;
    }
}
