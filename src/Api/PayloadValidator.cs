using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Pointer;
using Json.Schema;
using TrustChain.Workers;

namespace TrustChain.Api;

/// <summary>
/// Checks a task payload at the door against its topic's JSON Schema (<see cref="WorkerCatalog.PayloadSchemaFor"/>:
/// what every typed worker of the topic can read, from the cluster manifest, so the API may be only a client of the
/// cluster), with JsonSchema.Net. Every offending field is listed, with its JSON path and what is wrong.
/// </summary>
public sealed partial class PayloadValidator(WorkerCatalog catalog, ILogger<PayloadValidator> logger)
{
    /// <summary>The most problems one answer lists; the detail says how many there were.</summary>
    public const int MaxListed = 50;

    // Compiled once per schema text; schemas change only when the manifest does, so the cache stays small.
    private const int MaxCached = 64;

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List };

    private readonly ConcurrentDictionary<string, Compiled> _compiled = new(StringComparer.Ordinal);

    /// <summary>The fields of <paramref name="payload"/> that do not fit <paramref name="topic"/>'s schema; empty when it fits.</summary>
    public IReadOnlyList<PayloadProblem> Validate(string topic, JsonElement payload)
    {
        var text = catalog.PayloadSchemaFor(topic);
        if (text == PayloadSchemas.Any)
        {
            return [];
        }

        try
        {
            var compiled = Compile(text);
            var results = compiled.Schema.Evaluate(payload, Evaluation);
            return results.IsValid ? [] : Problems(compiled.Node, payload, results);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A schema the validator cannot use lets the body through to the workers, which still refuse what they
            // cannot read (a failed verdict): the door is a convenience, the verdict the guarantee.
            LogSchemaUnusable(ex, topic);
            return [];
        }
    }

    private Compiled Compile(string text)
    {
        if (_compiled.TryGetValue(text, out var compiled))
        {
            return compiled;
        }

        if (_compiled.Count >= MaxCached)
        {
            _compiled.Clear();
        }

        compiled = new Compiled(JsonSchema.FromText(text), JsonNode.Parse(text)!);
        return _compiled.GetOrAdd(text, compiled);
    }

    private static List<PayloadProblem> Problems(JsonNode schema, JsonElement payload, EvaluationResults results)
    {
        var problems = new List<PayloadProblem>();
        var seen = new HashSet<(string, string)>();
        foreach (var detail in Failed(results))
        {
            foreach (var (keyword, message) in detail.Errors!)
            {
                foreach (var problem in Describe(schema, payload, detail.InstanceLocation, keyword, message))
                {
                    // The same field may fail the same way under each typed worker's schema (allOf): listed once.
                    if (seen.Add((problem.Path, problem.Problem)))
                    {
                        problems.Add(problem);
                    }
                }
            }
        }

        return problems;
    }

    private static IEnumerable<EvaluationResults> Failed(EvaluationResults results)
    {
        if (results.Errors is { Count: > 0 })
        {
            yield return results;
        }

        foreach (var detail in results.Details ?? [])
        {
            foreach (var failed in Failed(detail))
            {
                yield return failed;
            }
        }
    }

    private static IEnumerable<PayloadProblem> Describe(JsonNode schema, JsonElement payload, JsonPointer location, string keyword, string message)
    {
        var (path, instance) = Locate(payload, location);
        var subschemas = SubschemasAt(schema, payload, location);
        switch (keyword)
        {
            case "type":
                yield return new(path, "type", $"wrong type: {Expected(subschemas)} expected, got {KindOf(instance)}");
                break;
            case "pattern" when Expected(subschemas) is var expected && IsNumeric(subschemas):
                // A number may come as a string holding one (AllowReadingFromString); this string holds none.
                yield return new(path, "type", $"wrong type: {expected} expected, got a string that is not one");
                break;
            case "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum":
                yield return new(path, "range", $"out of range: {Shorten(message)}");
                break;
            case "required":
                var missing = MissingProperties(subschemas, instance);
                if (missing.Count == 0)
                {
                    yield return new(path, "required", Shorten(message));
                }

                foreach (var name in missing)
                {
                    yield return new(path + Member(name), "required", "required, missing");
                }

                break;
            case "enum":
                var allowed = subschemas.Select(s => s["enum"]).OfType<JsonArray>().SelectMany(a => a).Select(v => v?.ToJsonString() ?? "null").Distinct().ToList();
                yield return new(path, "enum", allowed.Count > 0 ? $"not one of {string.Join(", ", allowed)}" : Shorten(message));
                break;
            default:
                yield return new(path, "invalid", $"{keyword}: {Shorten(message)}");
                break;
        }
    }

    /// <summary>The JSON path of <paramref name="location"/> in <paramref name="payload"/>, and the value there.</summary>
    private static (string Path, JsonElement? Value) Locate(JsonElement payload, JsonPointer location)
    {
        var path = new StringBuilder("$");
        JsonElement? current = payload;
        for (var i = 0; i < location.SegmentCount; i++)
        {
            var segment = location[i].ToString();
            if (current is { ValueKind: JsonValueKind.Array } array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                path.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
                current = index < array.GetArrayLength() ? array[index] : null;
            }
            else
            {
                path.Append(Member(segment));
                current = current is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(segment, out var value) ? value : null;
            }
        }

        return (path.ToString(), current);
    }

    private static string Member(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(name[0])
            ? "." + name
            : "['" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";

    /// <summary>
    /// The (sub)schemas that apply at <paramref name="location"/>: the schema walked down the instance's own path,
    /// through properties, additional properties and items, expanding <c>allOf</c>/<c>anyOf</c>/<c>oneOf</c> and local
    /// <c>$ref</c>s (what the exporter emits), so that a problem can say what was expected.
    /// </summary>
    private static List<JsonObject> SubschemasAt(JsonNode root, JsonElement payload, JsonPointer location)
    {
        var current = Expand(root, root, 0).ToList();
        JsonElement? element = payload;
        for (var i = 0; i < location.SegmentCount && current.Count > 0; i++)
        {
            var segment = location[i].ToString();
            var next = new List<JsonObject>();
            if (element is { ValueKind: JsonValueKind.Array } array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                element = index < array.GetArrayLength() ? array[index] : null;
                next.AddRange(current.Select(s => s["items"]).OfType<JsonObject>().SelectMany(s => Expand(root, s, 0)));
            }
            else
            {
                element = element is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(segment, out var value) ? value : null;
                foreach (var schema in current)
                {
                    var child = (schema["properties"] as JsonObject)?[segment] ?? schema["additionalProperties"];
                    if (child is JsonObject childSchema)
                    {
                        next.AddRange(Expand(root, childSchema, 0));
                    }
                }
            }

            current = next;
        }

        return current;
    }

    private static IEnumerable<JsonObject> Expand(JsonNode root, JsonNode node, int depth)
    {
        if (node is not JsonObject schema || depth > 16)
        {
            yield break;
        }

        yield return schema;
        foreach (var combinator in new[] { "allOf", "anyOf", "oneOf" })
        {
            foreach (var branch in (schema[combinator] as JsonArray ?? []).OfType<JsonNode>())
            {
                foreach (var expanded in Expand(root, branch, depth + 1))
                {
                    yield return expanded;
                }
            }
        }

        if (schema["$ref"] is JsonValue reference && reference.TryGetValue<string>(out var target) && target.StartsWith('#')
            && JsonPointer.TryParse(target[1..], out var pointer) && pointer.TryEvaluate(root, out var resolved) && resolved is not null)
        {
            foreach (var expanded in Expand(root, resolved, depth + 1))
            {
                yield return expanded;
            }
        }
    }

    private static List<string> TypesOf(List<JsonObject> subschemas) =>
        subschemas.Select(s => s["type"]).SelectMany(t => t switch
        {
            JsonArray types => types.Select(v => v?.GetValue<string>()).OfType<string>(),
            JsonValue one when one.TryGetValue<string>(out var name) => [name],
            _ => [],
        }).Distinct(StringComparer.Ordinal).ToList();

    private static bool IsNumeric(List<JsonObject> subschemas) => TypesOf(subschemas).Any(t => t is "integer" or "number");

    /// <summary>What the field takes, as a person would say it: a number read from a string is still a number.</summary>
    private static string Expected(List<JsonObject> subschemas)
    {
        var types = TypesOf(subschemas);
        if (types.Any(t => t is "integer" or "number"))
        {
            types.Remove("string");
        }

        if (types.Contains("integer") && types.Contains("number"))
        {
            types.Remove("number");
        }

        var nullable = types.Remove("null");
        var named = types.Count == 0 ? "another type" : string.Join(" or ", types.Select(Article));
        return nullable ? $"{named} (or null)" : named;
    }

    private static string Article(string type) => type switch
    {
        "integer" or "object" or "array" => "an " + type,
        "null" => "null",
        _ => "a " + type,
    };

    private static string KindOf(JsonElement? value) => value?.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static List<string> MissingProperties(List<JsonObject> subschemas, JsonElement? instance)
    {
        if (instance is not { ValueKind: JsonValueKind.Object } obj)
        {
            return [];
        }

        return subschemas
            .Select(s => s["required"]).OfType<JsonArray>()
            .SelectMany(r => r.Select(v => v?.GetValue<string>()).OfType<string>())
            .Distinct(StringComparer.Ordinal)
            .Where(name => !obj.TryGetProperty(name, out _))
            .ToList();
    }

    /// <summary>The validator's message, cut short: it may quote the client's value, which may be long.</summary>
    private static string Shorten(string message) => message.Length <= 200 ? message : string.Concat(message.AsSpan(0, 200), "…");

    private sealed record Compiled(JsonSchema Schema, JsonNode Node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The payload schema of {Topic} could not be used; bodies go to its workers unchecked")]
    private partial void LogSchemaUnusable(Exception exception, string topic);
}
