using Microsoft.Extensions.Options;

namespace TrustChain.Api;

/// <summary>Refuses, at start, API settings that would leave the API weaker than it looks.</summary>
public sealed class TrustChainApiOptionsValidator : IValidateOptions<TrustChainApiOptions>
{
    public ValidateOptionsResult Validate(string? name, TrustChainApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        for (var i = 0; i < options.Keys.Count; i++)
        {
            // The key itself never goes into the message: it would end up in logs.
            if (string.IsNullOrWhiteSpace(options.Keys[i]) || options.Keys[i].Length < TrustChainApiOptions.MinKeyLength)
            {
                failures.Add($"TrustChain:Api:Keys:{i} is shorter than {TrustChainApiOptions.MinKeyLength} characters.");
            }
        }

        if (options.MaxBodyBytes < 1)
        {
            failures.Add("TrustChain:Api:MaxBodyBytes must be positive.");
        }

        if (options.MaxInFlight < 1)
        {
            failures.Add("TrustChain:Api:MaxInFlight must be at least 1.");
        }

        if (options.MaxInFlightPerClient is { } perClient && (perClient < 1 || perClient > options.MaxInFlight))
        {
            failures.Add("TrustChain:Api:MaxInFlightPerClient must be between 1 and TrustChain:Api:MaxInFlight.");
        }

        if (options.StartLatencyTarget <= TimeSpan.Zero)
        {
            failures.Add("TrustChain:Api:StartLatencyTarget must be positive.");
        }

        if (options.RetryAfterSeconds < 1)
        {
            failures.Add("TrustChain:Api:RetryAfterSeconds must be at least 1.");
        }

        if (options.FailoverWait <= TimeSpan.Zero || options.FailoverWait > TrustChainApiOptions.MaxFailoverWait)
        {
            failures.Add($"TrustChain:Api:FailoverWait must be positive and at most {TrustChainApiOptions.MaxFailoverWait}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
