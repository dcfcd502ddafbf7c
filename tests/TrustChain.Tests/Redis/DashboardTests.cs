using System.Net;
using System.Net.Http.Headers;
using System.Text;
using TrustChain.Api;
using TrustChain.Tests.Api;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Redis;

/// <summary>The Orleans dashboard the API serves at <c>/dashboard</c>, behind the API keys when keys are set.</summary>
public sealed class DashboardTests
{
    private const string Key = "a-dashboard-key-of-16+";

    [Fact]
    public async Task Without_keys_the_dashboard_and_its_cluster_data_are_served()
    {
        await using var host = new ApiHost();
        using var client = await host.StartAsync();

        using var page = await client.GetAsync(new Uri("/dashboard/", UriKind.Relative)).Guarded();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        using var stats = await client.GetAsync(new Uri("/dashboard/ClusterStats", UriKind.Relative)).Guarded();
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
    }

    [Fact]
    public async Task With_keys_the_dashboard_asks_the_browser_for_a_key_and_takes_it_as_a_password_or_a_header()
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { ["TrustChain:Api:Keys:0"] = Key });
        using var client = await host.StartAsync();

        using var anonymous = await client.GetAsync(new Uri("/dashboard/ClusterStats", UriKind.Relative)).Guarded();
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", Assert.Single(anonymous.Headers.WwwAuthenticate).Scheme);

        using var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri("/dashboard/", UriKind.Relative));
        wrong.Headers.Authorization = Basic("admin", "not-the-key-at-all");
        using var refused = await client.SendAsync(wrong).Guarded();
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var browser = new HttpRequestMessage(HttpMethod.Get, new Uri("/dashboard/ClusterStats", UriKind.Relative));
        browser.Headers.Authorization = Basic("anyone", Key);
        using var signedIn = await client.SendAsync(browser).Guarded();
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);

        using var script = new HttpRequestMessage(HttpMethod.Get, new Uri("/dashboard/", UriKind.Relative));
        script.Headers.Add(ApiKeyMiddleware.HeaderName, Key);
        using var keyed = await client.SendAsync(script).Guarded();
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);

        // The password form is for the dashboard only: the API itself still wants the header.
        using var api = new HttpRequestMessage(HttpMethod.Get, new Uri("/topics", UriKind.Relative));
        api.Headers.Authorization = Basic("anyone", Key);
        using var apiAnswer = await client.SendAsync(api).Guarded();
        Assert.Equal(HttpStatusCode.Unauthorized, apiAnswer.StatusCode);
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
}
