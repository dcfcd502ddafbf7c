using Microsoft.Extensions.Logging;
using TrustChain.Serialization;

namespace TrustChain.Grains;

/// <summary>
/// The aggregators registered on this silo, by topic. Every silo registers the same ones, since a request's grain may
/// activate on any silo; the grain folds the outcome once, as the request ends.
/// </summary>
internal sealed partial class Aggregators(IEnumerable<IResultAggregator> aggregators, ILogger<Aggregators> logger)
{
    private readonly Dictionary<string, IResultAggregator> _byTopic = aggregators.ToDictionary(a => a.Topic, StringComparer.Ordinal);

    /// <summary>The outcome with the topic's combined value; unchanged when none is registered or it fails.</summary>
    public RequestOutcome Join(RequestOutcome outcome)
    {
        if (!_byTopic.TryGetValue(outcome.Topic, out var aggregator))
        {
            return outcome;
        }

        try
        {
            return outcome with { Combined = TrustChainJson.Own(aggregator.Aggregate(outcome)) };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The results stand on their own; a faulty fold must not lose them.
            LogAggregatorFailed(ex, outcome.Topic, outcome.RequestId);
            return outcome;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The aggregator for {Topic} failed on {RequestId}; the outcome is returned without a combined value")]
    private partial void LogAggregatorFailed(Exception exception, string topic, RequestId requestId);
}
