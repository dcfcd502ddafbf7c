namespace TrustChain.Demo;

/// <summary>Interested in orders of 1000 or more; answers a risk.</summary>
[TrustChainWorker(WorkerName, DemoTopics.OrderPlaced)]
public sealed class FraudWorker : DemoWorker<OrderPlaced, FraudWorker.Assessment>
{
    public const string WorkerName = "fraud";

    protected override bool Wants(OrderPlaced payload) => payload.Amount >= 1000;

    protected override Task<Assessment> WorkAsync(OrderPlaced payload, IWorkerContext context)
    {
        var score = Math.Round(Math.Min(1m, payload.Amount / 10_000m), 2);
        var risk = payload.Amount >= 5000 ? "high" : "medium";
        return Task.FromResult(new Assessment(risk, score));
    }

    public sealed record Assessment(string Risk, decimal Score);
}
