using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using TrustChain.Serialization;

namespace TrustChain;

/// <summary>
/// The unique id of one dispatch. It is written <c>{owner}.{guid}</c>: the owner is the node that holds the
/// request's grain, so any node can route a reply or a query for it without a lookup.
/// </summary>
[JsonConverter(typeof(RequestIdJsonConverter))]
public readonly record struct RequestId
{
    private RequestId(string owner, string value)
    {
        Owner = owner;
        Value = value;
    }

    /// <summary>The node id of the node that owns the request's grain.</summary>
    public string Owner { get; }

    /// <summary>The whole id as written on the wire and in URLs.</summary>
    public string Value { get; }

    public static RequestId New(string owner)
    {
        if (!NodeIds.IsValid(owner))
        {
            throw new ArgumentException($"'{owner}' is not a valid node id: {NodeIds.Rule}", nameof(owner));
        }

        return new RequestId(owner, $"{owner}.{Guid.NewGuid():N}");
    }

    public static bool TryParse([NotNullWhen(true)] string? text, out RequestId id)
    {
        id = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var dot = text.LastIndexOf('.');
        if (dot <= 0 || text.Length - dot - 1 != 32)
        {
            return false;
        }

        var owner = text[..dot];
        if (!NodeIds.IsValid(owner) || !Guid.TryParseExact(text.AsSpan(dot + 1), "N", out _))
        {
            return false;
        }

        id = new RequestId(owner, text);
        return true;
    }

    public static RequestId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a request id ({{node}}.{{32 hex digits}}).");

    public override string ToString() => Value ?? string.Empty;
}
