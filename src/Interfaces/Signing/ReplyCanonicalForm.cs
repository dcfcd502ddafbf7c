using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TrustChain.Signing;

/// <summary>
/// The bytes a worker signs for a verdict or a result (README, "Signatures"). They bind the reply to its request,
/// topic, worker, kind, status, exact payload and nested requests, so a signature cannot be moved to another
/// request or another payload.
/// </summary>
/// <remarks>
/// UTF-8 of eight lines, each ending in <c>\n</c>: <c>trustchain-v1</c>, request id, topic, worker,
/// <c>verdict</c> or <c>result</c>, status (<c>interested</c>, <c>declined</c>, <c>succeeded</c>, <c>failed</c>),
/// lowercase hex SHA-256 of the content (nothing for a verdict, the payload's JSON text for a succeeded result, the
/// error text for a failed one; an absent or null payload is no bytes), and the nested request ids, comma separated.
/// </remarks>
public static class ReplyCanonicalForm
{
    public const string Version = "trustchain-v1";

    /// <summary>ECDSA over P-256 with SHA-256; the signature is base64 of r‖s (IEEE P1363, 64 bytes).</summary>
    public const string Algorithm = "ECDSA-P256-SHA256";

    public static byte[] ForVerdict(RequestId requestId, string topic, string worker, bool interested) =>
        Build(requestId, topic, worker, "verdict", interested ? "interested" : "declined", [], []);

    public static byte[] ForResult(RequestId requestId, string topic, string worker, bool succeeded, JsonElement? payload, string? error, IEnumerable<RequestId> children) =>
        Build(requestId, topic, worker, "result", succeeded ? "succeeded" : "failed", succeeded ? PayloadBytes(payload) : Encoding.UTF8.GetBytes(error ?? string.Empty), children);

    /// <summary>The payload's JSON text as it travels and as an outcome shows it; absent or JSON null is no bytes.</summary>
    public static byte[] PayloadBytes(JsonElement? payload) =>
        payload is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } value ? Encoding.UTF8.GetBytes(value.GetRawText()) : [];

    /// <summary>A key's id: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo (DER).</summary>
    public static string KeyId(byte[] subjectPublicKeyInfo) =>
        Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    private static byte[] Build(RequestId requestId, string topic, string worker, string kind, string status, byte[] content, IEnumerable<RequestId> children)
    {
        var text = new StringBuilder()
            .Append(Version).Append('\n')
            .Append(requestId.Value).Append('\n')
            .Append(topic).Append('\n')
            .Append(worker).Append('\n')
            .Append(kind).Append('\n')
            .Append(status).Append('\n')
            .Append(Convert.ToHexStringLower(SHA256.HashData(content))).Append('\n')
            .AppendJoin(',', children.Select(c => c.Value)).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
