using Microsoft.Extensions.Options;

namespace TrustChain;

/// <summary>Refuses, at start, settings that would make requests misbehave later.</summary>
public sealed class TrustChainOptionsValidator : IValidateOptions<TrustChainOptions>
{
    public ValidateOptionsResult Validate(string? name, TrustChainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!NodeIds.IsValid(options.NodeId))
        {
            failures.Add($"TrustChain:NodeId '{options.NodeId}' is invalid: {NodeIds.Rule}.");
        }

        if (options.DefaultTimeout <= TimeSpan.Zero)
        {
            failures.Add("TrustChain:DefaultTimeout must be positive.");
        }

        if (options.MaxTimeout < options.DefaultTimeout)
        {
            failures.Add("TrustChain:MaxTimeout must be at least TrustChain:DefaultTimeout.");
        }

        if (options.InterestWindow <= TimeSpan.Zero || options.InterestWindow > options.DefaultTimeout)
        {
            failures.Add("TrustChain:InterestWindow must be positive and no longer than TrustChain:DefaultTimeout.");
        }

        if (options.LeaseDuration < TimeSpan.FromMilliseconds(30))
        {
            failures.Add("TrustChain:LeaseDuration must be at least 30 ms (workers renew at a third of it).");
        }

        if (options.WorkerConcurrency is < 1 or > 10_000)
        {
            failures.Add("TrustChain:WorkerConcurrency must be between 1 and 10000.");
        }

        if (string.IsNullOrWhiteSpace(options.DeliveryProvider))
        {
            failures.Add("TrustChain:DeliveryProvider must name a provider.");
        }

        if (!Enum.IsDefined(options.Delivery))
        {
            failures.Add($"TrustChain:Delivery must be one of {string.Join(", ", Enum.GetNames<TaskDelivery>())}.");
        }

        foreach (var worker in options.Workers ?? [])
        {
            if (!Topics.IsValid(worker))
            {
                failures.Add($"TrustChain:Workers names '{worker}', which is not a valid worker name: {Topics.Rule}.");
            }
        }

        if (options.Retention < TimeSpan.Zero)
        {
            failures.Add("TrustChain:Retention must not be negative.");
        }

        if (options.TentativeTtl <= TimeSpan.Zero)
        {
            failures.Add("TrustChain:TentativeTtl must be positive.");
        }

        if (options.MaxRetainedRequests < 0)
        {
            failures.Add("TrustChain:MaxRetainedRequests must not be negative.");
        }

        if (options.MaxRetainedBytes < 0)
        {
            failures.Add("TrustChain:MaxRetainedBytes must not be negative.");
        }

        if (options.WatchPollWait <= TimeSpan.Zero || options.WatchPollWait >= TimeSpan.FromSeconds(30))
        {
            failures.Add("TrustChain:WatchPollWait must be positive and shorter than Orleans' response timeout (30 s).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
