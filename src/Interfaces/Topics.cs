namespace TrustChain;

/// <summary>
/// The rule for topic and worker names: dot-separated segments such as <c>order.placed</c>. Names become stream
/// namespaces, grain type names and URL segments, so wildcards and spaces are refused up front rather than misrouting later.
/// </summary>
public static class Topics
{
    public const string Rule = "1 to 200 characters: lowercase segments of a-z, 0-9, '-' and '_', separated by single dots";

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            return false;
        }

        var segmentLength = 0;
        foreach (var c in name)
        {
            if (c == '.')
            {
                if (segmentLength == 0)
                {
                    return false;
                }

                segmentLength = 0;
                continue;
            }

            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-' || c == '_'))
            {
                return false;
            }

            segmentLength++;
        }

        return segmentLength > 0;
    }

    public static void ThrowIfInvalid(string? name, string paramName)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a valid name: {Rule}.", paramName);
        }
    }
}
