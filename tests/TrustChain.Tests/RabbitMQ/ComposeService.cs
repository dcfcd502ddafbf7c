namespace TrustChain.Tests.RabbitMQ;

/// <summary>One service: its scalar settings (image, ...) and its map sections (environment, build, healthcheck).</summary>
public sealed class ComposeService(string name)
{
    public string Name { get; } = name;

    public Dictionary<string, string> Settings { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Dictionary<string, string>> Sections { get; } = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Environment =>
        Sections.TryGetValue("environment", out var environment) ? environment : new Dictionary<string, string>();
}
