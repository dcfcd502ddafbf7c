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
        value is JsonElement element ? element : JsonSerializer.SerializeToElement(value, Options);

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
