using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using Orleans;
using Orleans.Concurrency;
using TrustChain.Serialization;

namespace TrustChain;

/// <summary>
/// The unique id of one dispatch, and the key of its <see cref="IRequestGrain"/>. It is written
/// <c>{node}.{guid}</c>: the node that dispatched it, which helps reading logs; Orleans routes a call to the grain
/// wherever it lives, so the id carries no routing.
/// </summary>
[JsonConverter(typeof(RequestIdJsonConverter))]
[GenerateSerializer, Immutable]
public readonly record struct RequestId
{
    [Id(0)]
    private readonly string _value;

    private RequestId(string value) => _value = value;

    /// <summary>The node that dispatched the request.</summary>
    public string Owner => _value is null ? string.Empty : _value[.._value.LastIndexOf('.')];

    /// <summary>The whole id as written on the wire and in URLs.</summary>
    public string Value => _value;

    public static RequestId New(string owner)
    {
        if (!NodeIds.IsValid(owner))
        {
            throw new ArgumentException($"'{owner}' is not a valid node id: {NodeIds.Rule}", nameof(owner));
        }

        return new RequestId($"{owner}.{Guid.NewGuid():N}");
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

        id = new RequestId(text);
        return true;
    }

    public static RequestId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a request id ({{node}}.{{32 hex digits}}).");

    public override string ToString() => Value ?? string.Empty;
}
