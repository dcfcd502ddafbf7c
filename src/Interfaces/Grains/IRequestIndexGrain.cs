using Orleans;
using Orleans.Concurrency;

namespace TrustChain;

/// <summary>
/// The cluster's list of recent requests (one activation, key <see cref="Key"/>), newest first, bounded by
/// <c>TrustChain:MaxRetainedRequests</c> and <c>TrustChain:MaxRetainedBytes</c>: what <c>GET /requests</c> and the
/// journey page list. Request grains tell it one way as they start and end (with the bytes they retain); a request
/// pushed out of it is told to forget its state.
/// </summary>
public interface IRequestIndexGrain : IGrainWithStringKey
{
    public const string Key = "recent";

    [OneWay]
    Task OnStartedAsync(RequestIndexEntry entry);

    [OneWay]
    Task OnEndedAsync(RequestIndexEntry entry);

    [OneWay]
    Task OnForgottenAsync(RequestId requestId);

    [ReadOnly]
    Task<IReadOnlyList<RequestIndexEntry>> RecentAsync(int limit);

    /// <summary>How many requests, and how many bytes of ended ones, the list holds now.</summary>
    [ReadOnly]
    Task<RetainedRequests> RetainedAsync();
}
