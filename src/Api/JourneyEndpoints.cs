using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace TrustChain.Api;

/// <summary>
/// <c>GET /journeys</c>: a page that lists recent requests and draws, for one of them, the waterfall of its tree. Plain
/// HTML, CSS and script embedded in this assembly; the page reads <c>GET /requests</c>, <c>GET /requests/{id}</c> and
/// the event stream, sending the API key the user typed in, if any. The page's own files carry no data, so they are
/// served without a key.
/// </summary>
public static class JourneyEndpoints
{
    public const string PagePath = "/journeys";

    private static readonly FrozenDictionary<string, Asset> Assets = new[]
    {
        Load("journeys.html", "text/html; charset=utf-8"),
        Load("journeys.js", "text/javascript; charset=utf-8"),
        Load("journeys.css", "text/css; charset=utf-8"),
    }.ToFrozenDictionary(a => a.Name, StringComparer.Ordinal);

    public static IEndpointRouteBuilder MapTrustChainJourneys(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(PagePath, (HttpContext context) => Serve(context, "journeys.html"))
            .WithName("Journeys")
            .WithSummary("The journey page: recent requests and the waterfall of one request's tree.")
            .ExcludeFromDescription();
        endpoints.MapGet(PagePath + "/{file}", (string file, HttpContext context) => Serve(context, file))
            .ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>Whether <paramref name="path"/> is one of the page's files, which need no API key.</summary>
    public static bool IsPageAsset(PathString path) =>
        path.Equals(PagePath, StringComparison.Ordinal)
        || (path.StartsWithSegments(PagePath, StringComparison.Ordinal, out var rest) && Assets.ContainsKey(rest.Value?.TrimStart('/') ?? string.Empty));

    private static IResult Serve(HttpContext context, string name)
    {
        if (!Assets.TryGetValue(name, out var asset))
        {
            return TypedResults.NotFound();
        }

        // Revalidated on every load, so that a new version of the page is picked up at once.
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Bytes(asset.Content, asset.ContentType, entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue(asset.ETag));
    }

    private static Asset Load(string name, string contentType)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"TrustChain.Api.Journeys.{name}")
            ?? throw new InvalidOperationException($"The journey page's {name} is not embedded in the API assembly.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var content = memory.ToArray();
        return new Asset(name, contentType, content, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
    }

    private sealed record Asset(string Name, string ContentType, byte[] Content, string ETag);
}
