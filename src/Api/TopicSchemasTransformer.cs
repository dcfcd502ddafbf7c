using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using TrustChain.Workers;

namespace TrustChain.Api;

/// <summary>
/// Puts each topic's payload schema into the OpenAPI document, from the same cluster manifest the door checks
/// against: one component schema per topic (<c>payload.{topic}</c>), and one <c>POST /requests/{topic}</c> path per
/// served topic (e.g. <c>/requests/order.placed</c>) whose body is that schema. The generic
/// <c>/requests/{topic}</c> stays for topics served later, its body any JSON.
/// </summary>
public sealed class TopicSchemasTransformer(WorkerCatalog catalog) : IOpenApiDocumentTransformer
{
    public const string ComponentPrefix = "payload.";

    private const string GenericPath = "/requests/{topic}";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        var generic = document.Paths?.TryGetValue(GenericPath, out var item) == true && item.Operations?.TryGetValue(HttpMethod.Post, out var post) == true ? post : null;
        foreach (var (topic, text) in catalog.TopicSchemas)
        {
            var name = ComponentPrefix + topic;
            var rebased = PayloadSchemas.Rebase(System.Text.Json.Nodes.JsonNode.Parse(text), $"#/components/schemas/{name}")!.ToJsonString();
            var schema = OpenApiModelFactory.Parse<OpenApiSchema>(rebased, OpenApiSpecVersion.OpenApi3_1, document, out _, "json");
            if (schema is null)
            {
                continue;
            }

            schema.Description ??= $"A task payload on '{topic}': what every typed worker of the topic can read (checked at the door).";
            document.Components.Schemas[name] = schema;
            if (generic is not null && document.Paths is not null)
            {
                document.Paths[$"/requests/{topic}"] = new OpenApiPathItem
                {
                    Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Post] = ForTopic(generic, topic, name, document) },
                };
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The generic dispatch operation, for one topic: no topic parameter, the topic's schema as the body.</summary>
    private static OpenApiOperation ForTopic(OpenApiOperation generic, string topic, string component, OpenApiDocument document) => new()
    {
        OperationId = $"Dispatch.{topic}",
        Summary = $"Dispatches a task on '{topic}'; the body must fit {component} (400 listing every offending field if not).",
        Description = generic.Description,
        Tags = generic.Tags,
        Parameters = generic.Parameters?.Where(p => p.Name != "topic").ToList(),
        Responses = generic.Responses,
        RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["application/json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(component, document) },
            },
        },
    };
}
