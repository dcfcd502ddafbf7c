namespace TrustChain.Tests.RabbitMQ;

/// <summary>
/// The test that restarts the shared broker: it runs alone, after every parallel test, since it would cut every
/// other RabbitMQ test's connection.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerRestartTestsDefinition : ICollectionFixture<RabbitMqBroker>
{
    public const string Name = "RabbitMQ broker restart";
}
