using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Api;

/// <summary>
/// A client checks an outcome on its own, as the README's "Signatures" section tells it to: with nothing but the
/// workers' public keys and the documented canonical form. The check is written here from the README's text and
/// uses none of TrustChain's signing code.
/// </summary>
public sealed class SignedOutcomeTests(SignedApiFixture fixture) : IClassFixture<SignedApiFixture>
{
    private const string DemoOrder = """
        { "orderId": "o-\u00e9<1>", "customerId": "c-1", "amount": 1500,
          "items": [ { "sku": "A-1", "qty": 2 }, { "sku": "B-7", "qty": 1 } ] }
        """;

    [Fact]
    public async Task An_outcome_returned_by_the_API_verifies_with_the_README_procedure_and_only_the_public_keys()
    {
        var client = fixture.Client;
        using var content = new StringContent(DemoOrder, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri("/requests/order.placed", UriKind.Relative), content).Guarded();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var outcome = document.RootElement;
        Assert.Equal("Completed", outcome.GetProperty("status").GetString());

        // The keys come from the catalog, as a client would get them.
        using var catalog = JsonDocument.Parse(await client.GetStringAsync(new Uri("/workers", UriKind.Relative)));
        var keys = catalog.RootElement.EnumerateArray().ToDictionary(
            w => w.GetProperty("name").GetString()!,
            w => w.GetProperty("publicKeys").EnumerateArray().Select(k => Convert.FromBase64String(k.GetString()!)).ToList());

        var checkedReplies = new List<string>();
        Verify(outcome, keys, checkedReplies);

        // 3 workers on the order and 2 warehouses on its nested reservation: each a verdict and a result.
        Assert.Equal(10, checkedReplies.Count);
        Assert.Contains("result of warehouse-a", checkedReplies);

        // The check is not vacuous: the same signature does not cover another request or another payload.
        var fraud = outcome.GetProperty("results").EnumerateArray().First(r => r.GetProperty("worker").GetString() == "fraud");
        var id = outcome.GetProperty("requestId").GetString()!;
        var signature = fraud.GetProperty("signature");
        Assert.True(Verifies(keys["fraud"], signature, Canonical(id, "order.placed", "fraud", "result", "succeeded", Encoding.UTF8.GetBytes(fraud.GetProperty("payload").GetRawText()), "")));
        Assert.False(Verifies(keys["fraud"], signature, Canonical(id.Replace(id[^1], id[^1] == '0' ? '1' : '0'), "order.placed", "fraud", "result", "succeeded", Encoding.UTF8.GetBytes(fraud.GetProperty("payload").GetRawText()), "")));
        Assert.False(Verifies(keys["fraud"], signature, Canonical(id, "order.placed", "fraud", "result", "succeeded", Encoding.UTF8.GetBytes("{}"), "")));
    }

    /// <summary>The README's procedure, step by step, over one outcome and its nested outcomes.</summary>
    private static void Verify(JsonElement outcome, Dictionary<string, List<byte[]>> keys, List<string> checkedReplies)
    {
        var requestId = outcome.GetProperty("requestId").GetString()!;
        var topic = outcome.GetProperty("topic").GetString()!;
        foreach (var verdict in outcome.GetProperty("verdicts").EnumerateArray())
        {
            var worker = verdict.GetProperty("worker").GetString()!;
            var status = verdict.GetProperty("interested").GetBoolean() ? "interested" : "declined";
            Assert.True(Verifies(keys[worker], verdict.GetProperty("signature"), Canonical(requestId, topic, worker, "verdict", status, [], "")), $"verdict of {worker} on {requestId}");
            checkedReplies.Add($"verdict of {worker}");
        }

        foreach (var result in outcome.GetProperty("results").EnumerateArray())
        {
            var worker = result.GetProperty("worker").GetString()!;
            var status = result.GetProperty("status").GetString();
            var children = result.GetProperty("children").EnumerateArray().ToList();
            if (status is "Succeeded" or "Failed")
            {
                var bytes = status == "Succeeded"
                    ? (result.TryGetProperty("payload", out var payload) && payload.ValueKind != JsonValueKind.Null ? Encoding.UTF8.GetBytes(payload.GetRawText()) : [])
                    : Encoding.UTF8.GetBytes(result.GetProperty("error").GetString() ?? "");
                var childIds = string.Join(',', children.Select(c => c.GetProperty("requestId").GetString()));
                Assert.True(Verifies(keys[worker], result.GetProperty("signature"), Canonical(requestId, topic, worker, "result", status.ToLowerInvariant(), bytes, childIds)), $"result of {worker} on {requestId}");
                checkedReplies.Add($"result of {worker}");
            }

            foreach (var child in children)
            {
                Verify(child, keys, checkedReplies);
            }
        }
    }

    private static byte[] Canonical(string requestId, string topic, string worker, string kind, string status, byte[] content, string children) =>
        Encoding.UTF8.GetBytes($"trustchain-v1\n{requestId}\n{topic}\n{worker}\n{kind}\n{status}\n{Convert.ToHexStringLower(SHA256.HashData(content))}\n{children}\n");

    /// <summary>
    /// Finds the worker's key by its id (first 16 hex digits of SHA-256 of the SPKI) and verifies the signature in the
    /// key's algorithm, which the signature must name: Ed25519 over the canonical bytes, or ECDSA P-256 r‖s over their
    /// SHA-256.
    /// </summary>
    private static bool Verifies(List<byte[]> workerKeys, JsonElement signature, byte[] canonical)
    {
        var algorithm = signature.GetProperty("algorithm").GetString();
        var keyId = signature.GetProperty("keyId").GetString();
        var spki = workerKeys.Single(k => Convert.ToHexStringLower(SHA256.HashData(k))[..16] == keyId);
        var value = Convert.FromBase64String(signature.GetProperty("value").GetString()!);
        if (NSec.Cryptography.PublicKey.TryImport(NSec.Cryptography.SignatureAlgorithm.Ed25519, spki, NSec.Cryptography.KeyBlobFormat.PkixPublicKey, out var ed25519))
        {
            Assert.Equal("Ed25519", algorithm);
            return NSec.Cryptography.SignatureAlgorithm.Ed25519.Verify(ed25519!, canonical, value);
        }

        Assert.Equal("ECDSA-P256-SHA256", algorithm);
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(spki, out _);
        return key.VerifyData(canonical, value, HashAlgorithmName.SHA256);
    }
}
