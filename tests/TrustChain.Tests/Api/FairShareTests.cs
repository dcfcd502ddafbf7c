using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TrustChain.Api;

namespace TrustChain.Tests.Api;

/// <summary>
/// Fair share: requests in flight are limited per client (its API key, else its remote address) as well as in total,
/// so a client that fills its share cannot starve another, and the node's total still holds.
/// </summary>
public sealed class FairShareTests
{
    private const string KeyA = "key-a-0123456789abcdef";
    private const string KeyB = "key-b-0123456789abcdef";
    private const string ClientHeader = "X-Test-Remote-Address";

    [Fact]
    public async Task A_client_whose_key_fills_its_share_cannot_starve_another_and_the_nodes_total_still_holds()
    {
        await ApiHost.WithBlockingProbeAsync(async (client, probe) =>
        {
            var first = await StartAsync(client, r => r.Headers.Add("X-Api-Key", KeyA));
            var second = await StartAsync(client, r => r.Headers.Add("X-Api-Key", KeyA));

            // A's share is full; its 202s keep their slots while their requests run.
            var (refusedA, problemA) = await Probe(client, r => r.Headers.Add("X-Api-Key", KeyA));
            ApiCalls.AssertProblem(HttpStatusCode.TooManyRequests, refusedA, problemA);
            Assert.Equal("Too many requests in flight for this client", problemA.GetProperty("title").GetString());
            Assert.Equal(TimeSpan.FromSeconds(1), refusedA.Headers.RetryAfter?.Delta);

            // B still gets a slot: the last of the node's three.
            var third = await StartAsync(client, r => r.Headers.Add("X-Api-Key", KeyB));

            var (refusedB, problemB) = await Probe(client, r => r.Headers.Add("X-Api-Key", KeyB));
            ApiCalls.AssertProblem(HttpStatusCode.TooManyRequests, refusedB, problemB);
            Assert.Equal("Too many requests in flight", problemB.GetProperty("title").GetString());
            Assert.Contains("This node already runs 3", problemB.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(TimeSpan.FromSeconds(1), refusedB.Headers.RetryAfter?.Delta);

            probe.Release.TrySetResult();
            foreach (var id in new[] { first, second, third })
            {
                var events = await EventsToEndAsync(client, id, KeyA);
                Assert.Equal("Completed", events.Single(e => e.Event == "completed").Json.GetProperty("outcome").GetProperty("status").GetString());
            }
        }, new Dictionary<string, string?>
        {
            ["TrustChain:Api:Keys:0"] = KeyA,
            ["TrustChain:Api:Keys:1"] = KeyB,
            ["TrustChain:Api:MaxInFlight"] = "3",
            ["TrustChain:Api:MaxInFlightPerClient"] = "2",
        });
    }

    [Fact]
    public async Task Without_keys_each_remote_address_has_its_own_share()
    {
        var probe = new BlockingProbe();
        await using var host = new ApiHost(
            new Dictionary<string, string?> { ["TrustChain:Api:MaxInFlight"] = "10", ["TrustChain:Api:MaxInFlightPerClient"] = "1" },
            workers: [probe],
            services: s => s.AddSingleton<IStartupFilter, RemoteAddressFromHeader>());
        using var client = await host.StartAsync();
        try
        {
            await StartAsync(client, r => r.Headers.Add(ClientHeader, "127.0.0.2"));

            var (refused, problem) = await Probe(client, r => r.Headers.Add(ClientHeader, "127.0.0.2"));
            ApiCalls.AssertProblem(HttpStatusCode.TooManyRequests, refused, problem);
            Assert.Equal("Too many requests in flight for this client", problem.GetProperty("title").GetString());

            await StartAsync(client, r => r.Headers.Add(ClientHeader, "127.0.0.3"));
        }
        finally
        {
            probe.Abandon();
        }
    }

    [Fact]
    public void The_per_client_share_defaults_to_100_within_the_total_and_must_lie_between_1_and_the_total()
    {
        var validator = new TrustChainApiOptionsValidator();

        Assert.Equal(100, new TrustChainApiOptions().EffectiveMaxInFlightPerClient);
        Assert.Equal(1, new TrustChainApiOptions { MaxInFlight = 1 }.EffectiveMaxInFlightPerClient);
        Assert.True(validator.Validate(null, new TrustChainApiOptions { MaxInFlight = 5, MaxInFlightPerClient = 5 }).Succeeded);
        foreach (var share in new[] { 0, 6 })
        {
            var refused = validator.Validate(null, new TrustChainApiOptions { MaxInFlight = 5, MaxInFlightPerClient = share });
            Assert.Contains("TrustChain:Api:MaxInFlightPerClient must be between 1 and TrustChain:Api:MaxInFlight.", refused.Failures!);
        }
    }

    private static Task<(HttpResponseMessage Response, JsonElement Body)> Probe(HttpClient client, Action<HttpRequestMessage> who) =>
        client.SendAsync(HttpMethod.Post, $"/requests/{BlockingProbe.Topic}", "{}", prepare: r =>
        {
            who(r);
            r.Headers.Add("Prefer", "respond-async");
        });

    private static async Task<string> StartAsync(HttpClient client, Action<HttpRequestMessage> who)
    {
        var (response, body) = await Probe(client, who);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return body.GetProperty("requestId").GetString()!;
    }

    private static async Task<IReadOnlyList<ServerSentEvent>> EventsToEndAsync(HttpClient client, string id, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/requests/{id}/events", UriKind.Relative));
        request.Headers.Add("X-Api-Key", key);
        request.Headers.Accept.Add(new("text/event-stream"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Cluster.Safety.Timeout);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync());
        return await events.ToEndAsync();
    }

    /// <summary>The test server has no remote address: this sets it from a header, as a proxy-less network would.</summary>
    private sealed class RemoteAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate following) =>
            {
                if (context.Request.Headers[ClientHeader].ToString() is { Length: > 0 } address)
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(address);
                }

                return following(context);
            });
            next(app);
        };
    }
}
