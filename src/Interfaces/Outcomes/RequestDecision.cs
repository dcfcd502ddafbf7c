using Orleans;
using Orleans.Concurrency;
namespace TrustChain;

/// <summary>
/// The decision on an ended request and who has applied it so far. A participant that never acknowledges stays in
/// <see cref="Unacknowledged"/>: its instance may have died (its effects then expire where it ran) or be cut off.
/// </summary>
/// <param name="Acknowledgements">The first acknowledgement of each participant, in the order they came.</param>
/// <param name="Unacknowledged">The interested workers that have not acknowledged yet.</param>
[GenerateSerializer, Immutable]
public sealed record RequestDecision(
    Decision Decision,
    string Reason,
    DateTimeOffset At,
    IReadOnlyList<DecisionAcknowledgement> Acknowledgements,
    IReadOnlyList<string> Unacknowledged);
