namespace TrustChain.Tests.RabbitMQ;

/// <summary>The tests that run silo and API processes: one at a time, with the broker checked first.</summary>
[CollectionDefinition(Name)]
public sealed class ProcessTestsDefinition : ICollectionFixture<RabbitMqBroker>
{
    public const string Name = "RabbitMQ processes";
}
