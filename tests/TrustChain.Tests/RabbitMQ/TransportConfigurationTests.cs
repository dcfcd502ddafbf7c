using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TrustChain.Engines.InMemory;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Hosting;
using TrustChain.Runtime;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>
/// The engine is picked from configuration the .NET way. (Environment variables are what the silo and API processes
/// of <see cref="ProcessFaultTests"/> are configured with; changing this process's environment would reach other tests.)
/// </summary>
public sealed class TransportConfigurationTests
{
    [Fact]
    public async Task Without_configuration_a_node_runs_in_memory()
    {
        await using var services = Services(new Dictionary<string, string?>());

        Assert.IsType<InMemoryTransport>(services.GetRequiredService<ITransport>());
    }

    [Theory]
    [InlineData("RabbitMQ")]
    [InlineData("rabbitmq")]
    public async Task TrustChain_Transport_RabbitMQ_puts_the_node_on_the_broker_named_by_TrustChain_RabbitMQ_Uri(string value)
    {
        await using var services = Services(new Dictionary<string, string?>
        {
            ["TrustChain:Transport"] = value,
            ["TrustChain:RabbitMQ:Uri"] = "amqp://user:secret@broker.example:5673/vhost",
            ["TrustChain:RabbitMQ:Prefix"] = "shop",
        });

        var transport = Assert.IsType<RabbitMqTransport>(services.GetRequiredService<ITransport>());
        Assert.Equal("broker.example:5673vhost", transport.Endpoint);
        Assert.Equal("shop.tasks", transport.Topology.TasksExchange);
        Assert.False(transport.IsConnected); // built, not started: nothing connects before the host starts
    }

    [Fact]
    public async Task The_command_line_switch_works_as_for_any_dotnet_host()
    {
        var builder = Host.CreateApplicationBuilder(["--TrustChain:Transport=RabbitMQ", "--TrustChain:RabbitMQ:Uri=amqp://guest:guest@127.0.0.1:5999/"]);
        builder.Services.AddTrustChain();
        using var host = builder.Build();

        Assert.Equal(TransportKind.RabbitMQ, TrustChainTransportOptions.Read(builder.Configuration));
        var transport = Assert.IsType<RabbitMqTransport>(host.Services.GetRequiredService<ITransport>());
        Assert.Equal("127.0.0.1:5999/", transport.Endpoint);
        await transport.DisposeAsync();
    }

    [Fact]
    public async Task Bad_settings_stop_the_node_at_start_with_what_is_wrong()
    {
        await using var badUri = Services(new Dictionary<string, string?> { ["TrustChain:Transport"] = "RabbitMQ", ["TrustChain:RabbitMQ:Uri"] = "localhost" });
        var invalid = Assert.Throws<OptionsValidationException>(() => badUri.GetRequiredService<ITransport>());
        Assert.Contains("TrustChain:RabbitMQ:Uri", invalid.Message, StringComparison.Ordinal);

        await using var badEngine = Services(new Dictionary<string, string?> { ["TrustChain:Transport"] = "Kafka" });
        var unknown = Assert.Throws<InvalidOperationException>(() => badEngine.GetRequiredService<ITransport>());
        Assert.Contains("TrustChain:Transport", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_engine_chosen_in_code_wins_over_configuration()
    {
        var rabbit = new Dictionary<string, string?> { ["TrustChain:Transport"] = "RabbitMQ" };
        await using var inMemory = Services(rabbit, b => b.UseInMemory());
        Assert.IsType<InMemoryTransport>(inMemory.GetRequiredService<ITransport>());

        await using var onRabbit = Services(new Dictionary<string, string?>(), b => b.UseRabbitMQ(o => o.Prefix = "coded"));
        Assert.Equal("coded", Assert.IsType<RabbitMqTransport>(onRabbit.GetRequiredService<ITransport>()).Topology.Prefix);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings, Action<ITrustChainBuilder>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        var builder = services.AddTrustChain(o => o.NodeId = "config-test");
        configure?.Invoke(builder);
        return services.BuildServiceProvider();
    }
}
