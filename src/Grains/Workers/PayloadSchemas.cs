using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using TrustChain.Serialization;

namespace TrustChain.Workers;

/// <summary>
/// The JSON Schemas of payloads, as System.Text.Json's <see cref="JsonSchemaExporter"/> derives them from a typed
/// worker's payload type in <see cref="TrustChainJson.Options"/>, so the schema promises what the worker can read:
/// <list type="bullet">
/// <item>each number carries the range of its CLR type (<c>decimal</c>: ±79228162514264337593543950335, <c>int</c>:
/// ±2³¹, …), so <c>1e29</c> for a <c>decimal</c> is out of range at the door, not in the worker;</item>
/// <item>a property is required exactly where System.Text.Json fails without it: a <c>required</c> member, or a
/// constructor parameter without a default (<see cref="JsonSerializerOptions.RespectRequiredConstructorParameters"/>
/// is on); a non-nullable reference admits no null (<see cref="JsonSerializerOptions.RespectNullableAnnotations"/>).
/// A non-nullable property with a default (an <c>init</c> property left out) stays optional: the worker reads it.</item>
/// <item>the payload as a whole is never null: a worker has nothing to read in it.</item>
/// </list>
/// A topic's schema is the conjunction (<c>allOf</c>) of the schemas of its typed workers; raw-JSON workers add none.
/// </summary>
public static class PayloadSchemas
{
    /// <summary>The schema that accepts any JSON: what a topic without typed workers has.</summary>
    public const string Any = "{}";

    private static readonly JsonSchemaExporterOptions Exporter = new() { TransformSchemaNode = Transform };

    // The ranges a JSON number must stay within to be read into each CLR number type.
    private static readonly Dictionary<Type, (string Min, string Max)> Ranges = new()
    {
        [typeof(byte)] = Range(byte.MinValue, byte.MaxValue),
        [typeof(sbyte)] = Range(sbyte.MinValue, sbyte.MaxValue),
        [typeof(short)] = Range(short.MinValue, short.MaxValue),
        [typeof(ushort)] = Range(ushort.MinValue, ushort.MaxValue),
        [typeof(int)] = Range(int.MinValue, int.MaxValue),
        [typeof(uint)] = Range(uint.MinValue, uint.MaxValue),
        [typeof(long)] = Range(long.MinValue, long.MaxValue),
        [typeof(ulong)] = Range(ulong.MinValue, ulong.MaxValue),
        [typeof(Int128)] = Range(Int128.MinValue, Int128.MaxValue),
        [typeof(UInt128)] = Range(UInt128.MinValue, UInt128.MaxValue),
        [typeof(Half)] = Range(Half.MinValue, Half.MaxValue),
        [typeof(float)] = Range(float.MinValue, float.MaxValue),
        [typeof(double)] = Range(double.MinValue, double.MaxValue),
        [typeof(decimal)] = Range(decimal.MinValue, decimal.MaxValue),
    };

    /// <summary>
    /// The payload type of a worker grain class: the <c>TPayload</c> of its <see cref="Worker{TPayload,TResult}"/>
    /// base, or null for a raw-JSON worker (a <see cref="WorkerGrain"/> on <see cref="JsonElement"/>).
    /// </summary>
    public static Type? PayloadTypeOf(Type workerClass)
    {
        ArgumentNullException.ThrowIfNull(workerClass);
        for (var type = workerClass; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Worker<,>))
            {
                var payload = type.GetGenericArguments()[0];
                return payload == typeof(JsonElement) || payload == typeof(JsonElement?) || typeof(JsonNode).IsAssignableFrom(payload)
                    || payload == typeof(JsonDocument) || payload == typeof(object) ? null : payload;
            }
        }

        return null;
    }

    /// <summary>The schema of <paramref name="payloadType"/> as compact JSON text; null when it accepts any JSON.</summary>
    public static string? For(Type payloadType)
    {
        ArgumentNullException.ThrowIfNull(payloadType);
        var schema = JsonSchemaExporter.GetJsonSchemaAsNode(TrustChainJson.Options, payloadType, Exporter);
        return schema is JsonObject { Count: 0 } || schema.GetValueKind() == JsonValueKind.True ? null : schema.ToJsonString();
    }

    /// <summary>
    /// The schema a body must fit to reach every one of <paramref name="schemas"/>' workers: the one schema, or their
    /// <c>allOf</c> (local <c>$ref</c>s re-based under it); <see cref="Any"/> when there is none.
    /// </summary>
    public static string Combine(IEnumerable<string> schemas)
    {
        ArgumentNullException.ThrowIfNull(schemas);
        var distinct = schemas.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
        {
            return Any;
        }

        if (distinct.Count == 1)
        {
            return distinct[0];
        }

        var all = new JsonArray();
        for (var i = 0; i < distinct.Count; i++)
        {
            all.Add(Rebase(JsonNode.Parse(distinct[i]), $"#/allOf/{i.ToString(CultureInfo.InvariantCulture)}"));
        }

        return new JsonObject { ["allOf"] = all }.ToJsonString();
    }

    /// <summary>
    /// The schema with its local references (<c>#…</c>, which the exporter emits for recursive types) made relative
    /// to <paramref name="base"/>, where the schema is placed inside another document.
    /// </summary>
    public static JsonNode? Rebase(JsonNode? schema, string @base)
    {
        ArgumentNullException.ThrowIfNull(@base);
        switch (schema)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (name == "$ref" && value?.GetValueKind() == JsonValueKind.String && value.GetValue<string>() is ['#', .. var pointer])
                    {
                        obj[name] = @base + pointer;
                    }
                    else
                    {
                        Rebase(value, @base);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Rebase(item, @base);
                }

                break;
        }

        return schema;
    }

    private static JsonNode Transform(JsonSchemaExporterContext context, JsonNode schema)
    {
        if (schema is not JsonObject obj)
        {
            return schema;
        }

        var type = Nullable.GetUnderlyingType(context.TypeInfo.Type) ?? context.TypeInfo.Type;
        if (Ranges.TryGetValue(type, out var range) && IsNumeric(obj["type"]))
        {
            obj["minimum"] = JsonNode.Parse(range.Min);
            obj["maximum"] = JsonNode.Parse(range.Max);
        }

        // A worker refuses a payload that is null as a whole (there is nothing to read), whatever its type's
        // nullability: so does the root of the schema.
        if (context.Path.IsEmpty && obj["type"] is JsonArray types && types.Count > 1)
        {
            foreach (var nullType in types.Where(t => t?.GetValueKind() == JsonValueKind.String && t.GetValue<string>() == "null").ToList())
            {
                types.Remove(nullType);
            }

            if (types.Count == 1)
            {
                obj["type"] = types[0]!.GetValue<string>();
            }
        }

        return schema;
    }

    private static bool IsNumeric(JsonNode? type) => type switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>() is "number" or "integer",
        JsonArray types => types.Any(t => IsNumeric(t)),
        _ => false,
    };

    private static (string, string) Range<T>(T min, T max)
        where T : IFormattable =>
        (min.ToString(null, CultureInfo.InvariantCulture), max.ToString(null, CultureInfo.InvariantCulture));
}
