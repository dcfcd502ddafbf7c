using System.Text.Json;

namespace TrustChain.Api;

/// <summary>One topic of <c>GET /topics</c>.</summary>
/// <param name="Workers">The workers subscribed to it with at least one live instance.</param>
/// <param name="Instances">Their live instances, all together.</param>
/// <param name="Schema">The JSON Schema a task payload on it must fit, which <c>POST /requests/{topic}</c> checks at
/// the door: the conjunction of its typed workers' payload schemas; <c>{}</c> (any JSON) when only raw-JSON workers
/// serve it.</param>
public sealed record TopicEntry(string Topic, IReadOnlyList<string> Workers, int Instances, JsonElement Schema);
