using Orleans;
using TrustChain.Messages;

namespace TrustChain.Workers;

/// <summary>
/// What one worker grain (one worker's part in one request) persists from its result until the decision: the task,
/// its tentative effects as data, the nested requests it dispatched, its result until the decision, and how the
/// decision went.
/// </summary>
[GenerateSerializer]
public sealed class WorkerPartState
{
    [Id(0)]
    public TaskMessage? Task { get; set; }

    [Id(1)]
    public List<TentativeEffect> Effects { get; set; } = [];

    [Id(2)]
    public List<RequestId> Children { get; set; } = [];

    [Id(3)]
    public WorkerPartStage Stage { get; set; }

    /// <summary>When the effects are undone if no decision came (the TTL), or when a settled part is forgotten.</summary>
    [Id(4)]
    public DateTimeOffset? DueAt { get; set; }

    /// <summary>The effects' descriptions, for the acknowledgement of a decision sent again.</summary>
    [Id(5)]
    public string? Detail { get; set; }

    /// <summary>
    /// The result as sent, until the decision: an activation that takes over a held part (the one that held it was let
    /// go before the request answered) sends it again when the task is redelivered.
    /// </summary>
    [Id(6)]
    public ResultMessage? Result { get; set; }
}
