using System.Runtime.CompilerServices;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>
/// Just enough of docker-compose.yml's block-style YAML to check it (no YAML package restores here): services, their
/// environment maps, health checks and Dockerfiles. It refuses what it does not understand rather than guess.
/// </summary>
public sealed class ComposeFile
{
    private ComposeFile(string root, IReadOnlyDictionary<string, ComposeService> services)
    {
        Root = root;
        Services = services;
    }

    public string Root { get; }

    public IReadOnlyDictionary<string, ComposeService> Services { get; }

    public static ComposeFile Load([CallerFilePath] string thisFile = "")
    {
        var root = FindRoot(thisFile);
        var lines = File.ReadAllLines(Path.Combine(root, "docker-compose.yml"));
        Assert.DoesNotContain(lines, l => l.Contains('\t', StringComparison.Ordinal)); // YAML forbids tabs for indentation

        var services = new Dictionary<string, ComposeService>(StringComparer.Ordinal);
        string? service = null;
        string? section = null;
        var inServices = false;
        foreach (var raw in lines)
        {
            var line = StripComment(raw);
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var indent = line.Length - line.TrimStart(' ').Length;
            var text = line.Trim();
            switch (indent)
            {
                case 0:
                    inServices = text == "services:";
                    service = null;
                    continue;
                case 2 when inServices:
                    Assert.EndsWith(":", text);
                    service = text[..^1];
                    services[service] = new ComposeService(service);
                    section = null;
                    continue;
                case 4 when service is not null:
                    var (key, value) = Split(text);
                    section = key;
                    if (value.Length > 0)
                    {
                        services[service].Settings[key] = value;
                    }

                    continue;
                case 6 when service is not null && section is not null:
                    if (!text.StartsWith('-'))
                    {
                        var (subKey, subValue) = Split(text);
                        services[service].Sections.TryAdd(section, new Dictionary<string, string>(StringComparer.Ordinal));
                        services[service].Sections[section][subKey] = subValue;
                    }

                    continue;
            }
        }

        return new ComposeFile(root, services);
    }

    private static (string Key, string Value) Split(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        Assert.True(colon > 0, $"not a 'key: value' line: {text}");
        return (text[..colon].Trim(), Unquote(text[(colon + 1)..].Trim()));
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0] ? value[1..^1] : value;

    private static string StripComment(string line)
    {
        var quoted = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted != '\0')
            {
                quoted = c == quoted ? '\0' : quoted;
            }
            else if (c is '"' or '\'')
            {
                quoted = c;
            }
            else if (c == '#' && (i == 0 || line[i - 1] == ' '))
            {
                return line[..i].TrimEnd();
            }
        }

        return line.TrimEnd();
    }

    /// <summary>The repository root: from this source file's path, or up from the test binaries.</summary>
    private static string FindRoot(string thisFile)
    {
        var starts = new[] { Path.GetDirectoryName(thisFile), AppContext.BaseDirectory, Environment.CurrentDirectory };
        foreach (var start in starts.OfType<string>())
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "docker-compose.yml")) && File.Exists(Path.Combine(dir.FullName, "TrustChain.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Could not find the repository root (docker-compose.yml next to TrustChain.slnx).");
    }
}
