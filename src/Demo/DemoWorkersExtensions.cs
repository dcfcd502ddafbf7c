using Microsoft.Extensions.DependencyInjection.Extensions;
using TrustChain.Hosting;

namespace TrustChain.Silo.Demo;

public static class DemoWorkersExtensions
{
    /// <summary>Every demo worker's name.</summary>
    public static IReadOnlyList<string> All { get; } =
        [InventoryWorker.WorkerName, FraudWorker.WorkerName, LoyaltyWorker.WorkerName, WarehouseAWorker.WorkerName, WarehouseBWorker.WorkerName];

    /// <summary>Hosts the demo workers (all, or only those named), their reservation ledger and the order summary aggregator.</summary>
    public static ITrustChainBuilder AddDemoWorkers(this ITrustChainBuilder builder, IEnumerable<string>? only = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var names = only?.ToHashSet(StringComparer.Ordinal) ?? All.ToHashSet(StringComparer.Ordinal);
        var unknown = names.Except(All).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown demo worker(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", All)}.", nameof(only));
        }

        builder.Services.TryAddSingleton<ReservationLedger>();
        AddIf<InventoryWorker>(InventoryWorker.WorkerName);
        AddIf<FraudWorker>(FraudWorker.WorkerName);
        AddIf<LoyaltyWorker>(LoyaltyWorker.WorkerName);
        AddIf<WarehouseAWorker>(WarehouseAWorker.WorkerName);
        AddIf<WarehouseBWorker>(WarehouseBWorker.WorkerName);
        return builder.AddAggregator<OrderSummaryAggregator>();

        void AddIf<TWorker>(string name)
            where TWorker : class, IWorker
        {
            if (names.Contains(name))
            {
                builder.AddWorker<TWorker>();
            }
        }
    }
}
