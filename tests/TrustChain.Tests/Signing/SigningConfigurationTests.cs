using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TrustChain.Hosting;
using TrustChain.Signing;

namespace TrustChain.Tests.Signing;

/// <summary>The <c>TrustChain:Signing</c> settings as a deployment writes them, on the services a silo adds (no silo starts here).</summary>
public sealed class SigningConfigurationTests
{
    [Theory]
    [InlineData(null, SigningPolicy.None)]
    [InlineData("None", SigningPolicy.None)]
    [InlineData("Signed", SigningPolicy.Signed)]
    public void The_policy_is_None_unless_configured_and_a_topic_can_demand_Signed_over_it(string? policy, SigningPolicy expected)
    {
        using var host = Build(new() { ["TrustChain:Signing:Policy"] = policy, ["TrustChain:Signing:Topics:order.audit"] = "Signed" });

        var options = host.Services.GetRequiredService<IOptions<SigningOptions>>().Value;

        Assert.Equal(expected, options.PolicyFor("order.placed"));
        Assert.Equal(SigningPolicy.Signed, options.PolicyFor("order.audit"));
    }

    [Fact]
    public async Task A_missing_key_file_a_public_key_that_does_not_read_an_unknown_algorithm_and_a_bad_topic_stop_the_node_at_start()
    {
        using var rsa = RSA.Create(2048);
        using var host = Build(new()
        {
            ["TrustChain:Signing:Keys:fraud"] = "/no/such/fraud.pem",
            ["TrustChain:Signing:TrustedKeys:loyalty"] = "not a key",
            ["TrustChain:Signing:TrustedKeys:inventory"] = rsa.ExportSubjectPublicKeyInfoPem(),
            ["TrustChain:Signing:Algorithm"] = "RSA-PSS",
            ["TrustChain:Signing:Topics:Not A Topic"] = "Signed",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains("Keys:fraud", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("TrustedKeys:loyalty", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("TrustedKeys:inventory", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Signing:Algorithm", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Topics:Not A Topic", StringComparison.Ordinal));
    }

    [Fact]
    public void Generated_keys_are_Ed25519_unless_the_algorithm_setting_asks_for_P256_and_a_key_file_keeps_the_algorithm_it_names()
    {
        var folder = Directory.CreateTempSubdirectory("trustchain-keys-");
        try
        {
            // A P-256 key a user made before (openssl genpkey -algorithm EC ...), in the folder under the worker's name.
            using var existing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            File.WriteAllText(Path.Combine(folder.FullName, "fraud.pem"), existing.ExportPkcs8PrivateKeyPem());
            var settings = new Dictionary<string, string?> { ["TrustChain:Signing:KeyFolder"] = folder.FullName };

            using (var host = Build(settings))
            {
                var ring = host.Services.GetRequiredService<WorkerKeyRing>();
                Assert.Equal(ReplyAlgorithms.Ed25519, ring.For("loyalty").Algorithm);
                Assert.Equal(ReplyAlgorithms.EcdsaP256Sha256, ring.For("fraud").Algorithm);
                Assert.Equal(ReplyCanonicalForm.KeyId(existing.ExportSubjectPublicKeyInfo()), ring.For("fraud").KeyId);
                Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(Path.Combine(folder.FullName, "loyalty.pem")), StringComparison.Ordinal);
            }

            settings["TrustChain:Signing:Algorithm"] = ReplyAlgorithms.EcdsaP256Sha256;
            using var p256 = Build(settings);
            var keys = p256.Services.GetRequiredService<WorkerKeyRing>();
            Assert.Equal(ReplyAlgorithms.EcdsaP256Sha256, keys.For("inventory").Algorithm);
            Assert.Equal(ReplyAlgorithms.Ed25519, keys.For("loyalty").Algorithm); // generated before, kept as it is
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_key_file_holding_a_key_of_another_algorithm_is_refused_when_its_worker_first_signs()
    {
        var folder = Directory.CreateTempSubdirectory("trustchain-keys-");
        try
        {
            using var rsa = RSA.Create(2048);
            var path = Path.Combine(folder.FullName, "fraud.pem");
            File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
            using var host = Build(new() { ["TrustChain:Signing:Keys:fraud"] = path });

            var error = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<WorkerKeyRing>().For("fraud"));

            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_key_folder_keeps_each_workers_key_across_restarts_and_a_configured_file_is_used_as_it_is()
    {
        var folder = Directory.CreateTempSubdirectory("trustchain-keys-");
        try
        {
            using var configured = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var path = Path.Combine(folder.FullName, "configured.pem");
            File.WriteAllText(path, configured.ExportECPrivateKeyPem()); // SEC1, as openssl ecparam writes it
            var settings = new Dictionary<string, string?> { ["TrustChain:Signing:KeyFolder"] = Path.Combine(folder.FullName, "keys"), ["TrustChain:Signing:Keys:fraud"] = path };

            string first;
            using (var host = Build(settings))
            {
                var ring = host.Services.GetRequiredService<WorkerKeyRing>();
                first = ring.For("loyalty").KeyId;
                Assert.Equal(ReplyCanonicalForm.KeyId(configured.ExportSubjectPublicKeyInfo()), ring.For("fraud").KeyId);
            }

            using var restarted = Build(settings);
            Assert.Equal(first, restarted.Services.GetRequiredService<WorkerKeyRing>().For("loyalty").KeyId);
            Assert.True(File.Exists(Path.Combine(folder.FullName, "keys", "loyalty.pem")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Without_keys_each_worker_gets_a_key_of_its_own_for_the_life_of_the_process()
    {
        using var host = Build([]);
        var ring = host.Services.GetRequiredService<WorkerKeyRing>();

        Assert.Same(ring.For("fraud"), ring.For("fraud"));
        Assert.NotEqual(ring.For("fraud").KeyId, ring.For("loyalty").KeyId);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.Services.AddTrustChain();
        return builder.Build();
    }
}
