using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using TrustChain.Api;
using TrustChain.Tests.Cluster;
using Xunit.Abstractions;

namespace TrustChain.Tests.Api;

/// <summary>
/// The journey page in a real browser (headless Debian chromium driven by playwright-core, tests/browser): a nested
/// demo order, and the waterfall a user sees for it. The screenshot is kept as an artifact.
/// </summary>
public sealed class JourneyPageTests(ITestOutputHelper output)
{
    private const string Key = "journey-test-key-0123456789abcdef";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // loyalty declines (no customer), warehouse-b fails: the picture has every colour.
    private const string Order = """
        { "orderId": "o-journey", "amount": 1250,
          "items": [ { "sku": "A-1", "qty": 2 }, { "sku": "B-9", "qty": 1 } ],
          "fail": [ "warehouse-b" ], "workMs": { "fraud": 40, "warehouse-a": 25 } }
        """;

    [Fact]
    public async Task The_journey_page_shows_a_nested_order_as_a_waterfall_with_each_worker_and_the_nested_request_under_inventory()
    {
        await using var host = new ApiHost();
        var baseAddress = await OnKestrelAsync(host);
        using var client = new HttpClient { BaseAddress = baseAddress };
        var nobody = await DispatchAsync(client, """{ "amount": 0 }""");
        var requestId = await DispatchAsync(client, Order);

        var page = await BrowserAsync(baseAddress, requestId, Artifact("journey.png"));

        Assert.Empty(page.Problems);
        var listed = Assert.Single(page.Recent, r => r.RequestId == requestId);
        Assert.Equal("Completed", listed.Status);
        Assert.True(listed.Selected);
        Assert.Equal("NoInterest", Assert.Single(page.Recent, r => r.RequestId == nobody).Status);
        Assert.Equal(2, page.Recent.Count); // the nested stock.reserve is in the waterfall, not in the list

        var rows = page.Rows;
        Assert.Equal(
            [
                ("request", 0, "order.placed", "Completed"),
                ("worker", 0, "fraud", "Succeeded"),
                ("worker", 0, "inventory", "Succeeded"),
                ("request", 1, "↳ stock.reserve", "Partial"),
                ("worker", 1, "warehouse-a", "Succeeded"),
                ("worker", 1, "warehouse-b", "Failed"),
                ("worker", 0, "loyalty", "Declined"),
            ],
            rows.Select(r => (r.Kind, r.Depth, r.Label, r.Status)));
        Assert.Equal(requestId, rows[0].RequestId);
        Assert.True(rows[0].Decided > 0, "the decision on the order is marked on its bar");
        Assert.All(rows.Where(r => r.Status is "Succeeded" or "Failed" || r.Kind == "request"), r => Assert.Equal(1, r.Bars));
        Assert.Equal(0, rows.Single(r => r.Worker == "loyalty").Bars);
    }

    [Fact]
    public async Task With_API_keys_the_page_loads_without_a_key_and_shows_the_journey_with_the_key_the_user_entered()
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { [$"{TrustChainApiOptions.SectionName}:Keys:0"] = Key });
        var baseAddress = await OnKestrelAsync(host);
        using var client = new HttpClient { BaseAddress = baseAddress };
        using (var page = await client.GetAsync(new Uri("/journeys", UriKind.Relative)).Guarded())
        using (var script = await client.GetAsync(new Uri("/journeys/journeys.js", UriKind.Relative)).Guarded())
        using (var list = await client.GetAsync(new Uri("/requests", UriKind.Relative)).Guarded())
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        }

        client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        var requestId = await DispatchAsync(client, Order);

        var seen = await BrowserAsync(baseAddress, requestId, Artifact("journey-keyed.png"), Key);

        Assert.Empty(seen.Problems);
        Assert.Equal(("order.placed", "Completed"), (seen.Rows[0].Topic, seen.Rows[0].Status));
        Assert.Equal(7, seen.Rows.Count);
    }

    /// <summary>Starts <paramref name="host"/> on a real Kestrel port, as a browser reaches it, and says where once its silo is ready.</summary>
    private static async Task<Uri> OnKestrelAsync(ApiHost host)
    {
        host.UseKestrel(0);
        host.StartServer();
        await host.WaitForClusterAsync();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }

    private static async Task<string> DispatchAsync(HttpClient client, string order)
    {
        using var response = await client.PostAsync(new Uri("/requests/order.placed", UriKind.Relative), new StringContent(order, Encoding.UTF8, "application/json")).Guarded();
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("requestId").GetString()!;
    }

    private string Artifact(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        output.WriteLine($"Screenshot: {path}");
        return path;
    }

    /// <summary>Runs tests/browser/journey.mjs; fails, never skips, when node, its packages or chromium are missing.</summary>
    private static async Task<SeenPage> BrowserAsync(Uri baseAddress, string requestId, string screenshot, string? apiKey = null)
    {
        var folder = Path.Combine(RepositoryRoot(), "tests", "browser");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "playwright-core")), $"playwright-core is not installed: run `npm ci` in {folder} (scripts/test.sh does).");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "journey.mjs", baseAddress.ToString().TrimEnd('/'), requestId, screenshot, apiKey ?? string.Empty })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var printed = await stdout;
        Assert.True(process.ExitCode == 0, $"The browser script failed ({process.ExitCode}): {await stderr}\n{printed}");
        return JsonSerializer.Deserialize<SeenPage>(printed, Json)!;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TrustChain.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (TrustChain.slnx) is not above the test binaries.");
    }

    public sealed record SeenPage(string? Title, IReadOnlyList<SeenListEntry> Recent, IReadOnlyList<SeenRow> Rows, IReadOnlyList<string> Problems);

    public sealed record SeenListEntry(string RequestId, string Status, bool Selected);

    public sealed record SeenRow(string Kind, int Depth, string Label, string Status, string? RequestId, string? Topic, string? Worker, int Bars, int Rejected, int Decided);
}
