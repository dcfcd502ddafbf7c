using TrustChain.Engines.RabbitMQ;

namespace TrustChain.Tests.RabbitMQ;

public sealed class RabbitMqOptionsTests
{
    private readonly RabbitMqOptionsValidator _validator = new();

    [Fact]
    public void The_defaults_are_valid_and_prefetch_defaults_to_the_worker_concurrency()
    {
        var options = new RabbitMqOptions();

        Assert.True(_validator.Validate(null, options).Succeeded);
        Assert.Null(options.Prefetch);
    }

    [Theory]
    [InlineData(nameof(RabbitMqOptions.Uri))]
    [InlineData(nameof(RabbitMqOptions.Prefix))]
    [InlineData(nameof(RabbitMqOptions.Prefetch))]
    [InlineData(nameof(RabbitMqOptions.HeartbeatInterval))]
    [InlineData(nameof(RabbitMqOptions.PublishTimeout))]
    [InlineData(nameof(RabbitMqOptions.NodeQueueExpiry))]
    public void A_bad_setting_fails_validation_naming_it(string setting)
    {
        var options = new RabbitMqOptions();
        switch (setting)
        {
            case nameof(RabbitMqOptions.Uri): options.Uri = "http://localhost/"; break;
            case nameof(RabbitMqOptions.Prefix): options.Prefix = "Has Spaces#"; break;
            case nameof(RabbitMqOptions.Prefetch): options.Prefetch = 0; break;
            case nameof(RabbitMqOptions.HeartbeatInterval): options.HeartbeatInterval = TimeSpan.Zero; break;
            case nameof(RabbitMqOptions.PublishTimeout): options.PublishTimeout = TimeSpan.FromSeconds(-1); break;
            case nameof(RabbitMqOptions.NodeQueueExpiry): options.NodeQueueExpiry = TimeSpan.FromMilliseconds(10); break;
        }

        var result = _validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"TrustChain:RabbitMQ:{setting}", result.FailureMessage, StringComparison.Ordinal);
    }
}
