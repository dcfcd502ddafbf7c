using Orleans;
using Orleans.Concurrency;
using System.Text.Json;
using TrustChain.Signing;

namespace TrustChain.Messages;

/// <summary>A task broadcast on a topic: step 1 of the lifecycle.</summary>
/// <param name="LeaseDuration">How long an interested worker may stay silent before it is counted lost;
/// the worker runtime renews at a third of it.</param>
/// <param name="ParentRequestId">The request whose worker dispatched this one, for nested dispatches.</param>
/// <param name="TraceParent">W3C trace context of the dispatch.</param>
/// <param name="Signing">The policy the owner holds the request's replies to; a nested request inherits at least it.</param>
[GenerateSerializer, Immutable]
public sealed record TaskMessage(
    RequestId RequestId,
    string Topic,
    JsonElement Payload,
    DateTimeOffset DispatchedAt,
    DateTimeOffset Deadline,
    TimeSpan LeaseDuration,
    RequestId? ParentRequestId = null,
    string? ParentWorker = null,
    string? TraceParent = null,
    string? TraceState = null,
    SigningPolicy Signing = SigningPolicy.None);
