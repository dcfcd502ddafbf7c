using System.Text.Json;

namespace TrustChain;

/// <summary>Folds the partial results of a topic's requests into one combined value (step 6).</summary>
public interface IResultAggregator
{
    string Topic { get; }

    /// <summary>Called once per outcome, by the request's grain on whichever silo it lives. Return null when there is nothing to combine.</summary>
    JsonElement? Aggregate(RequestOutcome outcome);
}
