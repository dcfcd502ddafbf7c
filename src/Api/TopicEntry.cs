namespace TrustChain.Api;

/// <summary>One topic of <c>GET /topics</c>.</summary>
/// <param name="Workers">The workers subscribed to it with at least one live instance.</param>
/// <param name="Instances">Their live instances, all together.</param>
public sealed record TopicEntry(string Topic, IReadOnlyList<string> Workers, int Instances);
