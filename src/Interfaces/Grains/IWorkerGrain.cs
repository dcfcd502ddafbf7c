using Orleans;
using Orleans.Concurrency;
using TrustChain.Messages;

namespace TrustChain;

/// <summary>
/// One worker's part in one request: the activation of the worker's grain type keyed by the request id. Tasks reach
/// it through its implicit subscription to the topic; the request's grain never awaits it within its own turn.
/// </summary>
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>
    /// The task sent again, straight to this worker: its lease lapsed once (DESIGN.md, step 4). It answers as soon as
    /// the task is taken (the verdict follows as a call of its own), so that the request's grain, which retries it off
    /// its turn while the worker's old silo is not yet known dead, learns that the task arrived.
    /// </summary>
    Task RedeliverAsync(TaskMessage task);

    /// <summary>The request ended before this worker replied: stop working (and cancel nested requests).</summary>
    [OneWay, AlwaysInterleave]
    Task StopAsync(RequestStatus status);

    /// <summary>Applies the decision to this worker's tentative effects and acknowledges it to the request's grain.</summary>
    [OneWay]
    Task ApplyDecisionAsync(DecisionMessage decision);
}
