namespace TrustChain.Tests.Testing;

/// <summary>Waits on a running request's grain for a state, by its journal: each wait returns when the journal grows.</summary>
public static class RequestWaits
{
    /// <summary>
    /// The request's state (shaped as an outcome) once <paramref name="condition"/> holds for it. Every step awaits the
    /// grain's next journal entry (<see cref="IRequestGrain.EventsAfterAsync"/>), never a clock; a request that ends
    /// without the condition fails the wait.
    /// </summary>
    public static async Task<RequestOutcome> WaitForRequestAsync(this IGrainFactory grains, RequestId id, Func<RequestOutcome, bool> condition)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(condition);
        var grain = grains.GetGrain<IRequestGrain>(id.Value);
        while (true)
        {
            var state = await grain.GetAsync() ?? throw new InvalidOperationException($"{id} is not known.");
            if (condition(state.Snapshot))
            {
                return state.Snapshot;
            }

            if (state.Ended)
            {
                throw new InvalidOperationException($"{id} ended {state.Snapshot.Status} without reaching the state waited for.");
            }

            var seen = state.Events.Count == 0 ? 0 : state.Events[^1].Sequence;
            await grain.EventsAfterAsync(seen, TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>The request's state once its journal holds an entry that satisfies <paramref name="entry"/>.</summary>
    public static async Task<IReadOnlyList<RequestEvent>> WaitForEventAsync(this IGrainFactory grains, RequestId id, Func<RequestEvent, bool> entry)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(entry);
        var grain = grains.GetGrain<IRequestGrain>(id.Value);
        long seen = 0;
        var journal = new List<RequestEvent>();
        while (true)
        {
            var page = await grain.EventsAfterAsync(seen, TimeSpan.FromSeconds(10)) ?? throw new InvalidOperationException($"{id} is not known.");
            journal.AddRange(page.Events);
            if (page.Events.Any(entry))
            {
                return journal;
            }

            if (page.Ended && page.Events.Count == 0)
            {
                throw new InvalidOperationException($"{id} ended without the journal entry waited for.");
            }

            seen = journal.Count == 0 ? 0 : journal[^1].Sequence;
        }
    }
}
