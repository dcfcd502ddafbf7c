using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrustChain.Serialization;

/// <summary>Writes a <see cref="RequestId"/> as its plain string form.</summary>
public sealed class RequestIdJsonConverter : JsonConverter<RequestId>
{
    public override RequestId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return RequestId.TryParse(text, out var id) ? id : throw new JsonException($"'{text}' is not a request id.");
    }

    public override void Write(Utf8JsonWriter writer, RequestId value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);
}
