using System.Text.Json;
using System.Text.Json.Nodes;
using TrustChain.Demo;
using TrustChain.Serialization;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Grains;

/// <summary>
/// The payload schemas typed workers announce: exported by System.Text.Json from the payload type, with each number's
/// CLR range, and required exactly where the worker's own reading fails without the field.
/// </summary>
public sealed class PayloadSchemaTests
{
    [Fact]
    public void A_decimal_field_carries_the_range_of_decimal_and_an_int_field_that_of_int()
    {
        var schema = Schema(typeof(OrderPlaced));

        var amount = schema["properties"]!["amount"]!;
        Assert.Equal("-79228162514264337593543950335", amount["minimum"]!.ToJsonString());
        Assert.Equal("79228162514264337593543950335", amount["maximum"]!.ToJsonString());
        var workMs = schema["properties"]!["workMs"]!["additionalProperties"]!;
        Assert.Equal(int.MinValue.ToString(System.Globalization.CultureInfo.InvariantCulture), workMs["minimum"]!.ToJsonString());
        Assert.Equal(int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), workMs["maximum"]!.ToJsonString());
    }

    [Fact]
    public void Every_CLR_number_type_gets_its_own_range_and_a_nullable_one_too()
    {
        var schema = Schema(typeof(Numbers));

        var properties = schema["properties"]!.AsObject();
        Assert.Equal(("0", "255"), Range(properties["b"]));
        Assert.Equal(("-9223372036854775808", "9223372036854775807"), Range(properties["l"]));
        Assert.Equal(("0", "18446744073709551615"), Range(properties["u"]));
        Assert.Equal(("-1.7976931348623157E+308", "1.7976931348623157E+308"), Range(properties["d"]));
        Assert.Equal(("-3.4028235E+38", "3.4028235E+38"), Range(properties["f"]));
        Assert.Equal(("-32768", "32767"), Range(properties["maybe"]));
        Assert.Null(properties["text"]!["maximum"]);
    }

    [Fact]
    public void A_field_is_required_exactly_where_System_Text_Json_fails_to_read_the_payload_without_it()
    {
        var order = Schema(typeof(OrderPlaced));
        var item = order["properties"]!["items"]!["items"]!;

        // `required` members and constructor parameters without a default: the worker could not read the body.
        Assert.Equal(["amount"], Required(order));
        Assert.Equal(["qty", "sku"], Required(item).Order(StringComparer.Ordinal));
        Assert.Throws<JsonException>(() => TrustChainJson.FromElement<OrderPlaced>(Json("""{ "customerId": "c" }""")));
        Assert.Throws<JsonException>(() => TrustChainJson.FromElement<OrderItem>(Json("""{ "sku": "A-1" }""")));

        // A property with a default (an init property left out, a parameter with a default value) stays optional.
        Assert.Empty(Required(Schema(typeof(StockReserve))));
        Assert.Equal(["name"], Required(Schema(typeof(WithDefaults))));
        Assert.Equal(3, TrustChainJson.FromElement<WithDefaults>(Json("""{ "name": "n" }"""))!.Count);
    }

    [Fact]
    public void A_non_nullable_reference_admits_no_null_and_a_nullable_one_does()
    {
        var item = Schema(typeof(OrderPlaced))["properties"]!["items"]!["items"]!;

        Assert.Equal("\"string\"", item["properties"]!["sku"]!["type"]!.ToJsonString());
        Assert.Equal("\"object\"", Schema(typeof(OrderPlaced))["type"]!.ToJsonString()); // a payload is never null as a whole
        Assert.Contains("null", Schema(typeof(OrderPlaced))["properties"]!["orderId"]!["type"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Throws<JsonException>(() => TrustChainJson.FromElement<OrderItem>(Json("""{ "sku": null, "qty": 1 }""")));
    }

    [Fact]
    public void A_typed_worker_announces_the_schema_of_its_payload_type_and_a_raw_JSON_worker_none()
    {
        Assert.Equal(typeof(OrderPlaced), PayloadSchemas.PayloadTypeOf(typeof(FraudWorker)));
        Assert.Equal(typeof(StockReserve), PayloadSchemas.PayloadTypeOf(typeof(WarehouseAWorker)));
        Assert.Null(PayloadSchemas.PayloadTypeOf(typeof(ProbeGrain)));
        Assert.Null(PayloadSchemas.For(typeof(JsonElement)));
    }

    [Fact]
    public void A_topic_of_several_typed_workers_takes_the_conjunction_of_their_schemas_with_references_rebased_under_it()
    {
        var one = PayloadSchemas.For(typeof(OrderPlaced))!;
        var recursive = PayloadSchemas.For(typeof(Tree))!;
        Assert.Contains("\"$ref\":\"#", recursive, StringComparison.Ordinal);

        Assert.Equal(PayloadSchemas.Any, PayloadSchemas.Combine([]));
        Assert.Equal(one, PayloadSchemas.Combine([one, one]));
        var both = JsonNode.Parse(PayloadSchemas.Combine([one, recursive]))!;
        var all = both["allOf"]!.AsArray();
        Assert.Equal(2, all.Count);
        var index = all.Select(s => s!.ToJsonString()).ToList().FindIndex(s => s.Contains("$ref", StringComparison.Ordinal));
        var reference = all[index]!["properties"]!["children"]!["items"]!["$ref"]!.GetValue<string>();
        Assert.Equal($"#/allOf/{index}", reference);
    }

    private static JsonObject Schema(Type type) => JsonNode.Parse(PayloadSchemas.For(type)!)!.AsObject();

    private static List<string> Required(JsonNode schema) =>
        schema["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToList() ?? [];

    private static (string, string) Range(JsonNode? property) => (property!["minimum"]!.ToJsonString(), property["maximum"]!.ToJsonString());

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    public sealed record Numbers(byte B, long L, ulong U, double D, float F, short? Maybe, string? Text);

    public sealed record WithDefaults(string Name, int Count = 3);

    public sealed record Tree(string Name, IReadOnlyList<Tree>? Children);
}
