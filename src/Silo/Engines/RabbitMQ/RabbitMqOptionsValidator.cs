using Microsoft.Extensions.Options;

namespace TrustChain.Engines.RabbitMQ;

/// <summary>Refuses, at start, RabbitMQ settings that could only fail later or misroute.</summary>
public sealed class RabbitMqOptionsValidator : IValidateOptions<RabbitMqOptions>
{
    public ValidateOptionsResult Validate(string? name, RabbitMqOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!System.Uri.TryCreate(options.Uri, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps"))
        {
            failures.Add($"{RabbitMqOptions.SectionName}:Uri must be an absolute amqp:// or amqps:// URI.");
        }

        // The prefix becomes part of exchange and queue names, and routing keys never contain it: the topic rule fits.
        if (!Topics.IsValid(options.Prefix) || options.Prefix.Length > 64)
        {
            failures.Add($"{RabbitMqOptions.SectionName}:Prefix '{options.Prefix}' is invalid: at most 64 characters, {Topics.Rule}.");
        }

        if (options.Prefetch is < 1 or > ushort.MaxValue)
        {
            failures.Add($"{RabbitMqOptions.SectionName}:Prefetch must be between 1 and {ushort.MaxValue}.");
        }

        if (options.NodePrefetch is < 1 or > ushort.MaxValue)
        {
            failures.Add($"{RabbitMqOptions.SectionName}:NodePrefetch must be between 1 and {ushort.MaxValue}.");
        }

        RequirePositive(options.HeartbeatInterval, nameof(options.HeartbeatInterval));
        RequirePositive(options.RecoveryInterval, nameof(options.RecoveryInterval));
        RequirePositive(options.MaxRetryDelay, nameof(options.MaxRetryDelay));
        RequirePositive(options.PublishTimeout, nameof(options.PublishTimeout));
        if (options.NodeQueueExpiry < TimeSpan.FromSeconds(1) || options.NodeQueueExpiry.TotalMilliseconds > int.MaxValue)
        {
            failures.Add($"{RabbitMqOptions.SectionName}:NodeQueueExpiry must be between 1 s and {TimeSpan.FromMilliseconds(int.MaxValue)}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void RequirePositive(TimeSpan value, string setting)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{RabbitMqOptions.SectionName}:{setting} must be positive.");
            }
        }
    }
}
