using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using TrustChain.Serialization;

namespace TrustChain.Signing;

/// <summary>
/// A result's payload as every reader will see it: compact JSON in TrustChain's settings, which is what the API and
/// every JSON writer of an outcome give, and so what the signature must cover (between silos and in storage the text
/// travels as it is, <see cref="JsonElementCodec"/>). Most payloads already are
/// (anything <see cref="TrustChainJson.ToElement{T}"/> or System.Text.Json's defaults made): those are checked in a
/// reused buffer and kept as they are; only another text (indented, other escaping) is parsed again.
/// </summary>
internal static class PayloadAsSent
{
    // A buffer kept per thread for the check; one that grew past this for a large payload is not kept.
    private const int KeptBufferBytes = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = TrustChainJson.Options.Encoder,
        Indented = TrustChainJson.Options.WriteIndented,
        SkipValidation = true,
    };

    public static JsonElement? Of(JsonElement? payload)
    {
        if (payload is not { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } value)
        {
            return payload;
        }

        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        try
        {
            value.WriteTo(writer);
            writer.Flush();
            if (buffer.WrittenSpan.SequenceEqual(JsonMarshal.GetRawUtf8Value(value)))
            {
                return payload;
            }

            using var document = JsonDocument.Parse(buffer.WrittenMemory);
            return document.RootElement.Clone();
        }
        finally
        {
            if (buffer.Capacity > KeptBufferBytes)
            {
                t_buffer = null;
                t_writer = null;
            }
        }
    }
}
