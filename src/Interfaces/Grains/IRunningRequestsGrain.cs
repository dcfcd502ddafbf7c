using Orleans;
using Orleans.Concurrency;

namespace TrustChain;

/// <summary>
/// The requests one silo started that have not ended yet, stored (one activation per silo, keyed by the silo's
/// address): when that silo dies, this list's reminder wakes on a live silo and resumes each of them there, even if
/// nobody calls them. One reminder per silo instead of one per request; the list's writes are shared by the requests
/// that start while one is under way.
/// </summary>
public interface IRunningRequestsGrain : IGrainWithStringKey
{
    /// <summary>Lists a request; completes once the list that holds it is stored.</summary>
    Task AddAsync(RequestId requestId);

    /// <summary>Takes an ended request off the list; stored with a later write (an entry left over costs one call).</summary>
    [OneWay]
    Task RemoveAsync(RequestId requestId);
}
