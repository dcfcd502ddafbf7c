namespace TrustChain;

/// <summary>The rule for node ids. They are embedded in request ids and URLs.</summary>
public static class NodeIds
{
    public const string Rule = "1 to 64 characters of a-z, 0-9 and '-', starting with a letter or digit";

    public static bool IsValid(string? nodeId) =>
        !string.IsNullOrEmpty(nodeId) && nodeId.Length <= 64 && char.IsAsciiLetterOrDigit(nodeId[0])
        && nodeId.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    /// <summary>A fresh id for a node started without one configured.</summary>
    public static string NewNodeId(string prefix = "node")
    {
        var host = new string(Environment.MachineName.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '-').Take(24).ToArray());
        var stem = host.Length > 0 ? $"{prefix}-{host}" : prefix;
        return $"{stem}-{Guid.NewGuid().ToString("N")[..8]}";
    }
}
