using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace TrustChain.Api;

/// <summary>
/// When <see cref="TrustChainApiOptions.Keys"/> are configured, lets through only calls that carry one of them in
/// <c>X-Api-Key</c> (the health checks and the journey page's static files excepted); others get 401 problem details.
/// The Orleans dashboard (<c>/dashboard</c>) also takes the key as the password of HTTP Basic authentication (any user
/// name), which a browser asks for and then sends with every call the dashboard's page makes. Keys are compared as SHA-256
/// digests in constant time, so neither their content nor their length leaks through timing, and are never logged.
/// </summary>
public sealed partial class ApiKeyMiddleware
{
    public const string HeaderName = "X-Api-Key";

    private const string AnonymousKey = "TrustChain.Api.Anonymous";

    private const string ClientKey = "TrustChain.Api.Client";

    /// <summary>True when keys are set and this call carries none that is valid (it reached an exempt path).</summary>
    public static bool IsAnonymous(HttpContext context) => context?.Items.ContainsKey(AnonymousKey) == true;

    /// <summary>
    /// Who is calling, for fair shares: the API key it presented (as a digest, never the key) when keys are set, else
    /// its remote address.
    /// </summary>
    public static string ClientOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[ClientKey] as string ?? $"address:{context.Connection.RemoteIpAddress?.ToString() ?? "unknown"}";
    }

    private readonly RequestDelegate _next;
    private readonly byte[][] _digests;

    public ApiKeyMiddleware(RequestDelegate next, IOptions<TrustChainApiOptions> options, ILogger<ApiKeyMiddleware> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _next = next ?? throw new ArgumentNullException(nameof(next));
        _digests = options.Value.Keys.Select(Digest).ToArray();
        if (_digests.Length == 0)
        {
            LogOpen(logger, TrustChainApiOptions.SectionName);
        }
        else
        {
            LogProtected(logger, _digests.Length, HeaderName);
        }
    }

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_digests.Length == 0)
        {
            return _next(context);
        }

        var dashboard = context.Request.Path.StartsWithSegments(Program.DashboardPath, StringComparison.OrdinalIgnoreCase);
        if (IsValid(context.Request.Headers[HeaderName].ToString(), out var digest)
            || (dashboard && IsValid(BasicPassword(context.Request.Headers.Authorization.ToString()), out digest)))
        {
            context.Items[ClientKey] = $"key:{Convert.ToHexString(digest, 0, 8)}";
            return _next(context);
        }

        if (IsExempt(context.Request.Path))
        {
            // Probes need no key, but without one they learn only up or ready: no node, workers or keys.
            context.Items[AnonymousKey] = true;
            return _next(context);
        }

        context.Response.Headers.WWWAuthenticate = dashboard
            ? "Basic realm=\"TrustChain dashboard (the password is an API key)\", charset=\"UTF-8\""
            : $"ApiKey header=\"{HeaderName}\"";
        return ApiProblems.Problem(StatusCodes.Status401Unauthorized, "API key required", $"Send a valid API key in the {HeaderName} header.").ExecuteAsync(context);
    }

    // The journey page's own files hold no data; the page sends the key its user types in with every call it makes.
    private static bool IsExempt(PathString path) =>
        path.Equals(HealthEndpoints.LivePath, StringComparison.OrdinalIgnoreCase) || path.Equals(HealthEndpoints.ReadyPath, StringComparison.OrdinalIgnoreCase)
        || JourneyEndpoints.IsPageAsset(path);

    /// <summary>The password of an HTTP Basic <c>Authorization</c> header, or empty.</summary>
    private static string BasicPassword(string authorization)
    {
        const string Scheme = "Basic ";
        if (!authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return string.Empty;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[Scheme.Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? string.Empty : decoded[(colon + 1)..];
        }
        catch (FormatException)
        {
            return string.Empty;
        }
    }

    private bool IsValid(string presented, out byte[] digest)
    {
        if (presented.Length == 0)
        {
            digest = [];
            return false;
        }

        digest = Digest(presented);
        var valid = false;
        foreach (var known in _digests)
        {
            // Every key is compared, so the time taken does not tell which one (or whether any) matched.
            valid |= CryptographicOperations.FixedTimeEquals(digest, known);
        }

        return valid;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    [LoggerMessage(Level = LogLevel.Warning, Message = "No API keys configured ({Section}:Keys): the TrustChain API is open to anyone who can reach it")]
    private static partial void LogOpen(ILogger logger, string section);

    [LoggerMessage(Level = LogLevel.Information, Message = "The TrustChain API requires one of {Count} configured API key(s) in the {Header} header")]
    private static partial void LogProtected(ILogger logger, int count, string header);
}
