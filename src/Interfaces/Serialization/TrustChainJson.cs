using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrustChain.Serialization;

/// <summary>
/// The JSON settings of every TrustChain payload and message: web defaults (camelCase), enums as strings.
/// One instance, so that what a worker reads is what the dispatcher wrote, and what the topic's schema (exported from
/// the same settings) promises at the door.
/// </summary>
public static class TrustChainJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Settings for user code to extend (e.g. an ASP.NET Core app's JSON options).</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.PropertyNameCaseInsensitive = true;
        options.NumberHandling = JsonNumberHandling.AllowReadingFromString;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        if (!options.Converters.OfType<JsonStringEnumConverter>().Any())
        {
            options.Converters.Add(new JsonStringEnumConverter());
        }
    }

    public static JsonElement ToElement<T>(T value) =>
        value is JsonElement element ? Own(element) : JsonSerializer.SerializeToElement(value, Options);

    /// <summary>
    /// The element, owned by a document nobody disposes: itself when it already is (what System.Text.Json's
    /// serializer makes), else a copy (an element of a <see cref="JsonDocument"/> its caller may dispose). TrustChain
    /// keeps and shares elements between grains without copying them (<see cref="JsonElementCopier"/>), so every
    /// element a user hands in goes through here.
    /// </summary>
    public static JsonElement Own(JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined ? element : element.Clone();

    /// <inheritdoc cref="Own(JsonElement)"/>
    public static JsonElement? Own(JsonElement? element) => element is { } value ? Own(value) : null;

    public static T? FromElement<T>(JsonElement element) =>
        typeof(T) == typeof(JsonElement) ? (T)(object)element : element.Deserialize<T>(Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);

        // A payload is read as strictly as its type says, never filled in with defaults it did not carry: a
        // non-nullable reference gets no null, a constructor parameter without a default must be present (as must a
        // `required` member). The schema exporter follows the same settings, so a body the door accepts is one the
        // worker can read. (Not in Configure: an app's output settings need not throw on its own nulls.)
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
