namespace TrustChain.Demo;

/// <summary>Interested in orders with a customer; answers points = floor(amount / 10).</summary>
[TrustChainWorker(WorkerName, DemoTopics.OrderPlaced)]
public sealed class LoyaltyWorker : DemoWorker<OrderPlaced, LoyaltyWorker.Points>
{
    public const string WorkerName = "loyalty";

    protected override bool Wants(OrderPlaced payload) => !string.IsNullOrWhiteSpace(payload.CustomerId);

    protected override Task<Points> WorkAsync(OrderPlaced payload, IWorkerContext context) =>
        Task.FromResult(new Points(payload.CustomerId!, (long)Math.Floor(payload.Amount / 10)));

    public sealed record Points(string CustomerId, long Earned);
}
