using System.Runtime.InteropServices;
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
/// The same bytes whatever the algorithm. Signers and verifiers build them in a pooled buffer
/// (<see cref="RentVerdict"/>, <see cref="RentResult"/>), hashing the payload's UTF-8 where it lies: no JSON is
/// written again and no text decoded to do it.
/// </remarks>
public static class ReplyCanonicalForm
{
    public const string Version = "trustchain-v1";

    // SHA-256 of no bytes: the content line of every verdict.
    private static ReadOnlySpan<byte> EmptyContentHash => "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"u8;

    private const int HashHexLength = 64;

    public static byte[] ForVerdict(RequestId requestId, string topic, string worker, bool interested)
    {
        using var bytes = RentVerdict(requestId, topic, worker, interested);
        return bytes.Span.ToArray();
    }

    public static byte[] ForResult(RequestId requestId, string topic, string worker, bool succeeded, JsonElement? payload, string? error, IReadOnlyList<RequestOutcome> children)
    {
        using var bytes = RentResult(requestId, topic, worker, succeeded, payload, error, children);
        return bytes.Span.ToArray();
    }

    /// <summary>
    /// The payload's JSON text as it travels and as an outcome shows it, in UTF-8, where the element holds it (no
    /// copy); absent or JSON null is no bytes.
    /// </summary>
    public static ReadOnlySpan<byte> PayloadBytes(JsonElement? payload) =>
        payload is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } value ? JsonMarshal.GetRawUtf8Value(value) : [];

    /// <summary>A key's id: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo (DER).</summary>
    public static string KeyId(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(subjectPublicKeyInfo, hash);
        return Convert.ToHexStringLower(hash[..8]);
    }

    /// <summary>The canonical form of a verdict, in a pooled buffer: dispose of it once signed or verified.</summary>
    internal static CanonicalBytes RentVerdict(RequestId requestId, string topic, string worker, bool interested) =>
        Build(requestId, topic, worker, "verdict"u8, interested ? "interested"u8 : "declined"u8, EmptyContentHash, []);

    /// <summary>The canonical form of a result, in a pooled buffer: dispose of it once signed or verified.</summary>
    internal static CanonicalBytes RentResult(RequestId requestId, string topic, string worker, bool succeeded, JsonElement? payload, string? error, IReadOnlyList<RequestOutcome> children)
    {
        Span<byte> hex = stackalloc byte[HashHexLength];
        if (succeeded)
        {
            HashHex(PayloadBytes(payload), hex);
        }
        else
        {
            HashHex(error ?? string.Empty, hex);
        }

        return Build(requestId, topic, worker, "result"u8, succeeded ? "succeeded"u8 : "failed"u8, hex, children);
    }

    private static CanonicalBytes Build(RequestId requestId, string topic, string worker, scoped ReadOnlySpan<byte> kind, scoped ReadOnlySpan<byte> status, scoped ReadOnlySpan<byte> contentHex, IReadOnlyList<RequestOutcome> children)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(children);
        var id = requestId.Value ?? string.Empty;
        var utf8 = Encoding.UTF8;
        var length = Version.Length + utf8.GetByteCount(id) + utf8.GetByteCount(topic) + utf8.GetByteCount(worker) + kind.Length + status.Length + contentHex.Length + 8;
        for (var i = 0; i < children.Count; i++)
        {
            length += utf8.GetByteCount(children[i].RequestId.Value ?? string.Empty) + (i > 0 ? 1 : 0);
        }

        var bytes = new CanonicalBytes(length);
        var writer = new Writer(bytes.Buffer);
        writer.Line(Version);
        writer.Line(id);
        writer.Line(topic);
        writer.Line(worker);
        writer.Line(kind);
        writer.Line(status);
        writer.Line(contentHex);
        for (var i = 0; i < children.Count; i++)
        {
            if (i > 0)
            {
                writer.Byte((byte)',');
            }

            writer.Text(children[i].RequestId.Value ?? string.Empty);
        }

        writer.Byte((byte)'\n');
        return bytes;
    }

    private static void HashHex(ReadOnlySpan<byte> content, Span<byte> hex)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(content, hash);
        ToHexLower(hash, hex);
    }

    private static void HashHex(string text, Span<byte> hex)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var rented = length <= 256 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Span<byte> utf8 = rented is null ? stackalloc byte[256] : rented;
            var written = Encoding.UTF8.GetBytes(text, utf8);
            HashHex(utf8[..written], hex);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void ToHexLower(ReadOnlySpan<byte> bytes, Span<byte> hex)
    {
        ReadOnlySpan<byte> digits = "0123456789abcdef"u8;
        for (var i = 0; i < bytes.Length; i++)
        {
            hex[2 * i] = digits[bytes[i] >> 4];
            hex[(2 * i) + 1] = digits[bytes[i] & 0xF];
        }
    }

    /// <summary>Writes UTF-8 into a span sized beforehand.</summary>
    private ref struct Writer(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;
        private int _at;

        public void Line(string text)
        {
            Text(text);
            Byte((byte)'\n');
        }

        public void Line(scoped ReadOnlySpan<byte> utf8)
        {
            utf8.CopyTo(_destination[_at..]);
            _at += utf8.Length;
            Byte((byte)'\n');
        }

        public void Text(string text) => _at += Encoding.UTF8.GetBytes(text, _destination[_at..]);

        public void Byte(byte value) => _destination[_at++] = value;
    }
}
