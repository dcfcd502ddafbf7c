using System.Text.Json;
using Orleans;
using Orleans.Concurrency;

namespace TrustChain;

/// <summary>
/// One side effect a worker made tentatively (DESIGN.md, step 7), as data: what kind of effect, what the worker needs
/// to make it real or undo it, and a few words for the decision's acknowledgement.
/// </summary>
/// <param name="Kind">The worker's own name for the kind of effect, e.g. <c>reservation</c>.</param>
/// <param name="Data">Whatever the worker's commit and abort need, as JSON.</param>
/// <param name="Description">A few words on the effect (e.g. what was reserved), shown in the acknowledgement.</param>
[GenerateSerializer, Immutable]
public sealed record TentativeEffect(string Kind, JsonElement? Data = null, string? Description = null);
