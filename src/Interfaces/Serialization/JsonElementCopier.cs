using System.Text.Json;
using Orleans;
using Orleans.Serialization.Cloning;

namespace TrustChain.Serialization;

/// <summary>
/// Payloads and results travel between grains of one silo without being copied. Orleans copies every argument of a
/// call between local grains; through the JSON codec a <see cref="JsonElement"/> copy is a serialization and a parse
/// (most of what an order request allocated, once per hop: dispatch, broadcast to each worker, result, outcome). A
/// <see cref="JsonElement"/> that TrustChain holds is immutable: it is owned by a document that is never disposed
/// (<see cref="TrustChainJson.Own"/> makes one of whatever a user hands in), so sharing it is safe.
/// </summary>
[RegisterCopier]
public sealed class JsonElementCopier : ShallowCopier<JsonElement>;
