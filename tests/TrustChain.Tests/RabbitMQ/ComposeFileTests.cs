using Microsoft.Extensions.Configuration;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Hosting;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>
/// docker-compose.yml cannot run here; this checks that it parses and that it names the services and the settings
/// the code reads, with the names the code binds them under.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly string[] AppServices = ["silo-1", "silo-2", "api"];

    private readonly ComposeFile _compose = ComposeFile.Load();

    [Fact]
    public void It_runs_a_broker_two_silos_and_the_api_each_with_a_health_check()
    {
        Assert.Equal(["api", "rabbitmq", "silo-1", "silo-2"], _compose.Services.Keys.Order(StringComparer.Ordinal));
        Assert.All(_compose.Services.Values, s => Assert.True(s.Sections.ContainsKey("healthcheck") && s.Sections["healthcheck"].ContainsKey("test"), $"{s.Name} has no health check"));
        Assert.StartsWith("rabbitmq:", _compose.Services["rabbitmq"].Settings["image"], StringComparison.Ordinal);
    }

    [Fact]
    public void The_silos_and_the_api_are_built_from_Dockerfiles_that_exist_and_start_the_right_assembly()
    {
        foreach (var name in AppServices)
        {
            var dockerfile = _compose.Services[name].Sections["build"]["dockerfile"];
            var path = Path.Combine(_compose.Root, dockerfile);
            Assert.True(File.Exists(path), $"{name}: {dockerfile} does not exist");
            var assembly = name == "api" ? "TrustChain.Api.dll" : "TrustChain.Silo.dll";
            Assert.Contains($"\"{assembly}\"", File.ReadAllText(path), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_environment_names_the_settings_the_code_binds_and_puts_every_node_on_the_broker_with_a_non_guest_user()
    {
        var broker = _compose.Services["rabbitmq"].Environment;
        var user = broker["RABBITMQ_DEFAULT_USER"];
        Assert.NotEqual("guest", user);

        foreach (var name in AppServices)
        {
            var environment = _compose.Services[name].Environment;
            Assert.Contains(EnvironmentName(TrustChainOptions.SectionName, nameof(TrustChainTransportOptions.Transport)), environment.Keys);
            Assert.Contains(EnvironmentName(RabbitMqOptions.SectionName, nameof(RabbitMqOptions.Uri)), environment.Keys);

            // Read exactly as the processes will: environment variables, "__" meaning ":".
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(environment.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value)))
                .Build();
            Assert.Equal(TransportKind.RabbitMQ, TrustChainTransportOptions.Read(configuration));
            var options = new RabbitMqOptions();
            configuration.GetSection(RabbitMqOptions.SectionName).Bind(options);
            Assert.True(new RabbitMqOptionsValidator().Validate(null, options).Succeeded, $"{name}: {options.Uri}");
            var uri = new Uri(options.Uri);
            Assert.Equal("rabbitmq", uri.Host);
            Assert.Equal($"{user}:{broker["RABBITMQ_DEFAULT_PASS"]}", Uri.UnescapeDataString(uri.UserInfo));
            var trustChain = new TrustChainOptions();
            configuration.GetSection(TrustChainOptions.SectionName).Bind(trustChain);
            Assert.Equal(name, trustChain.NodeId);
        }
    }

    [Fact]
    public void The_silos_health_check_watches_the_file_the_silo_is_told_to_write()
    {
        foreach (var name in AppServices.Where(n => n.StartsWith("silo", StringComparison.Ordinal)))
        {
            var service = _compose.Services[name];
            var file = service.Environment["TrustChain__HealthFile"];
            Assert.Contains(file, service.Sections["healthcheck"]["test"], StringComparison.Ordinal);
        }

        Assert.Contains("/readyz", _compose.Services["api"].Sections["healthcheck"]["test"], StringComparison.Ordinal);
    }

    private static string EnvironmentName(string section, string key) => $"{section}:{key}".Replace(":", "__", StringComparison.Ordinal);
}
