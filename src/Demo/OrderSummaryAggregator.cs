using System.Text.Json;
using TrustChain.Serialization;

namespace TrustChain.Demo;

/// <summary>Folds an order's partial results into one summary: risk, points and reserved items.</summary>
public sealed class OrderSummaryAggregator : IResultAggregator
{
    public string Topic => DemoTopics.OrderPlaced;

    public JsonElement? Aggregate(RequestOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var fraud = Read<FraudWorker.Assessment>(outcome, FraudWorker.WorkerName);
        var loyalty = Read<LoyaltyWorker.Points>(outcome, LoyaltyWorker.WorkerName);
        var inventory = Read<InventoryWorker.Reservation>(outcome, InventoryWorker.WorkerName);
        var summary = new Summary(
            Approved: outcome.Status is RequestStatus.Completed or RequestStatus.NoInterest && fraud?.Risk != "high" && inventory?.Complete != false,
            Risk: fraud?.Risk ?? "none",
            Points: loyalty?.Earned ?? 0,
            Reserved: inventory?.Reserved ?? []);
        return TrustChainJson.ToElement(summary);
    }

    private static T? Read<T>(RequestOutcome outcome, string worker) =>
        outcome.ResultOf(worker) is { Status: WorkerResultStatus.Succeeded, Payload: { } payload } ? TrustChainJson.FromElement<T>(payload) : default;

    public sealed record Summary(bool Approved, string Risk, long Points, IReadOnlyList<OrderItem> Reserved);
}
