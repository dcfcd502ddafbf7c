using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Orleans;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;

namespace TrustChain.Serialization;

/// <summary>
/// Payloads and results on the wire and in grain storage: a <see cref="JsonElement"/> is written as the UTF-8 JSON
/// text it already holds, and read back as an element of a document of its own. Orleans' System.Text.Json codec wrote
/// each element again with a fresh <see cref="Utf8JsonWriter"/> and parsed it into a copy: a tenth of what a request's
/// state write allocated, once per payload per write, and again on every message between silos.
/// </summary>
/// <remarks>
/// An element read here is owned by a document that is never disposed, as <see cref="TrustChainJson.Own"/> makes them,
/// so it can be shared between grains (<see cref="JsonElementCopier"/>). <c>default(JsonElement)</c> (kind
/// <see cref="JsonValueKind.Undefined"/>) travels as no bytes and comes back as itself.
/// </remarks>
[RegisterSerializer]
public sealed class JsonElementCodec : IFieldCodec<JsonElement>
{
    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, JsonElement value)
        where TBufferWriter : IBufferWriter<byte>
    {
        ReferenceCodec.MarkValueField(writer.Session);
        writer.WriteFieldHeader(fieldIdDelta, expectedType, typeof(JsonElement), WireType.LengthPrefixed);
        var json = value.ValueKind == JsonValueKind.Undefined ? [] : JsonMarshal.GetRawUtf8Value(value);
        writer.WriteVarUInt32((uint)json.Length);
        writer.Write(json);
    }

    public JsonElement ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        ReferenceCodec.MarkValueField(reader.Session);
        field.EnsureWireType(WireType.LengthPrefixed);
        var length = reader.ReadVarUInt32();
        if (length == 0)
        {
            return default;
        }

        // The document reads the array in place: it is this element's own, and nothing else writes to it.
        return JsonDocument.Parse(reader.ReadBytes(length).AsMemory(), ReadOptions).RootElement;
    }

    // An element keeps the text it was parsed from, and a user may have parsed it leniently (comments skipped,
    // trailing commas, deep nesting): what one side could hold, the other must read back.
    private static readonly JsonDocumentOptions ReadOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 1024,
    };
}
