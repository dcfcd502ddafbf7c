using Orleans;
using Orleans.Concurrency;
using System.Text.Json;

namespace TrustChain.Messages;

/// <summary>An interested worker's one partial result: a value or an error (step 4).</summary>
/// <param name="Children">Outcomes of the requests the worker dispatched while handling this one.</param>
[GenerateSerializer, Immutable]
public sealed record ResultMessage(
    RequestId RequestId,
    string Topic,
    string Worker,
    string Instance,
    bool Succeeded,
    JsonElement? Payload,
    string? Error,
    IReadOnlyList<RequestOutcome> Children,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt,
    ReplySignature? Signature = null);
