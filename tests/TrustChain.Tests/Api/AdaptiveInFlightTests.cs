using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TrustChain.Api;

namespace TrustChain.Tests.Api;

/// <summary>
/// The node's in-flight limit adapts to how fast the cluster starts dispatches: it falls while starts take longer
/// than the target (an overloaded cluster), never below one client's share, and rises back while they are fast and
/// the limit is reached, never above MaxInFlight. Time is a FakeTimeProvider; a start's latency is the time moved
/// between taking a slot and reporting the start.
/// </summary>
public sealed class AdaptiveInFlightTests
{
    private static readonly TimeSpan Target = TimeSpan.FromMilliseconds(50);

    private static readonly List<string> Clients = [.. Enumerable.Range(0, 10).Select(i => $"client-{i}")];

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void While_dispatches_start_slower_than_the_target_the_node_limit_falls_but_never_below_one_clients_share()
    {
        using var limit = Limit(maxInFlight: 1000, perClient: 100);
        Assert.Equal(1000, limit.Limit);

        // 400 in flight, each start taking 200 ms (4× the target): the limit falls to what was in flight, cut in
        // proportion (at most by half an interval), and the next dispatch is refused.
        var slots = StartAll(limit, 400, took: TimeSpan.FromMilliseconds(200));
        _time.Advance(NodeInFlightLimit.Interval);
        Assert.Null(limit.TryEnter(Clients[0]).Slot);
        Assert.Equal(200, limit.Limit);

        // Still slow, once what was in flight has ended: down again, but not below a client's share.
        Dispose(slots);
        for (var round = 0; round < 5; round++)
        {
            Dispose(StartAll(limit, NodeInFlightLimit.MinStarts, took: TimeSpan.FromMilliseconds(500)));
        }

        Assert.Equal(100, Reconsidered(limit));
    }

    [Fact]
    public void While_dispatches_start_fast_and_the_limit_is_reached_it_rises_back_but_never_above_MaxInFlight()
    {
        using var limit = Limit(maxInFlight: 300, perClient: 100);
        Dispose(StartAll(limit, 300, took: TimeSpan.FromSeconds(1)));
        Assert.Equal(150, Reconsidered(limit));

        var previous = limit.Limit;
        for (var interval = 0; interval < 30; interval++)
        {
            // Up to the limit, every start at once.
            var fast = StartAll(limit, limit.Limit, took: TimeSpan.Zero);
            Assert.Null(limit.TryEnter(Clients[0]).Slot);
            Dispose(fast);
            var now = Reconsidered(limit);
            Assert.True(now >= previous, $"the limit fell from {previous} to {now} while starts were fast");
            previous = now;
        }

        Assert.Equal(300, limit.Limit);
    }

    [Fact]
    public void When_requests_end_with_verdicts_that_missed_the_interest_window_the_limit_falls_although_dispatches_start_fast()
    {
        using var limit = Limit(maxInFlight: 1000, perClient: 100);

        // 396 end Completed, 4 (1 %) Partial with a worker silent: down to three quarters of the 400 in flight.
        EndAll(StartAll(limit, 400, took: TimeSpan.Zero), missing: 4);
        Assert.Equal(300, Reconsidered(limit));

        // Fewer than 1 %: starts are fast and the limit is not reached, so it stays.
        EndAll(StartAll(limit, 200, took: TimeSpan.Zero), missing: 1);
        Assert.Equal(300, Reconsidered(limit));
    }

    [Fact]
    public void Requests_admitted_before_a_cut_for_missed_verdicts_do_not_cut_again_and_a_handful_of_ends_is_no_sign()
    {
        using var limit = Limit(maxInFlight: 1000, perClient: 100);
        var before = StartAll(limit, 400, took: TimeSpan.Zero);
        EndAll(before.Take(200), missing: 100);
        Assert.Equal(300, Reconsidered(limit));

        // The other half were admitted before the cut, under the old limit: their misses are that episode's, already
        // counted; the limit does not fall again for them.
        EndAll(before.Skip(200), missing: 200);
        Assert.Equal(300, Reconsidered(limit));

        // Admitted after it, they count again, but fewer than MinStarts ends in an interval are no sign.
        EndAll(StartAll(limit, NodeInFlightLimit.MinStarts - 1, took: TimeSpan.Zero), missing: NodeInFlightLimit.MinStarts - 1);
        Assert.Equal(300, Reconsidered(limit));
        EndAll(StartAll(limit, 200, took: TimeSpan.Zero), missing: 200);
        Assert.Equal(150, Reconsidered(limit));
    }

    [Fact]
    public void A_verdict_missed_is_a_worker_silent_in_a_request_that_ended_partial_and_a_decline_a_late_stranger_or_a_cancel_is_not()
    {
        Assert.True(NodeInFlightLimit.MissedAVerdict(Outcome(RequestStatus.Partial, silent: true)));
        Assert.False(NodeInFlightLimit.MissedAVerdict(Outcome(RequestStatus.Completed)));
        Assert.False(NodeInFlightLimit.MissedAVerdict(Outcome(RequestStatus.NoInterest)));
        Assert.False(NodeInFlightLimit.MissedAVerdict(Outcome(RequestStatus.Completed) with
        {
            Rejected = [new RejectedReply("joined-late", "verdict", RejectionReason.InterestClosed, _time.GetUtcNow())],
        }));
        Assert.False(NodeInFlightLimit.MissedAVerdict(Outcome(RequestStatus.Cancelled, silent: true)));
    }

    [Fact]
    public void A_slot_whose_request_failed_is_given_back_without_a_verdict_counted()
    {
        using var limit = Limit(maxInFlight: 1000, perClient: 100);
        var slot = limit.TryEnter(Clients[0]).Slot!;

        InFlightLimit.ExitWhenDone(slot, Task.FromException<RequestOutcome>(new InvalidOperationException("the cluster went away")));

        Assert.Equal(0, limit.InFlight);
    }

    [Fact]
    public void A_limit_that_is_not_reached_does_not_rise()
    {
        using var limit = Limit(maxInFlight: 1000, perClient: 100);
        Dispose(StartAll(limit, 400, took: TimeSpan.FromMilliseconds(100)));
        var fallen = Reconsidered(limit);
        Assert.True(fallen < 1000);

        for (var interval = 0; interval < 5; interval++)
        {
            Dispose(StartAll(limit, 10, took: TimeSpan.Zero));
            _time.Advance(NodeInFlightLimit.Interval);
        }

        Assert.Equal(fallen, Reconsidered(limit));
    }

    [Fact]
    public void A_few_slow_starts_are_no_sign_of_overload()
    {
        using var limit = Limit(maxInFlight: 1000, perClient: 100);

        Dispose(StartAll(limit, NodeInFlightLimit.MinStarts - 1, took: TimeSpan.FromSeconds(2)));

        Assert.Equal(1000, Reconsidered(limit));
    }

    [Fact]
    public void With_AdaptiveInFlight_off_slow_starts_leave_the_limit_at_MaxInFlight()
    {
        using var limit = Limit(maxInFlight: 1000, perClient: 100, adaptive: false);

        Dispose(StartAll(limit, 400, took: TimeSpan.FromSeconds(5)));

        Assert.Equal(1000, Reconsidered(limit));
    }

    [Fact]
    public void A_node_at_its_limit_refuses_as_node_full_and_a_client_at_its_share_as_share_full_both_before_taking_anything()
    {
        using var limit = Limit(maxInFlight: 3, perClient: 2);

        var a = Enter(limit, ["a"], 2);
        Assert.Equal(InFlightRefusal.ClientShareFull, limit.Peek("a"));
        AssertRefused(InFlightRefusal.ClientShareFull, limit.TryEnter("a"));
        Assert.Equal(InFlightRefusal.None, limit.Peek("b"));
        var b = Enter(limit, ["b"], 1);
        Assert.Equal(InFlightRefusal.NodeFull, limit.Peek("c"));
        AssertRefused(InFlightRefusal.NodeFull, limit.TryEnter("c"));
        Assert.Equal(3, limit.InFlight);

        // A slot given back twice counts once.
        b[0].Dispose();
        b[0].Dispose();
        Assert.Equal(2, limit.InFlight);
        Assert.Equal(InFlightRefusal.None, limit.Peek("c"));
        Dispose(a);
        Assert.Equal(0, limit.InFlight);
    }

    [Fact]
    public void The_start_latency_target_must_be_positive()
    {
        var validator = new TrustChainApiOptionsValidator();

        Assert.True(new TrustChainApiOptions().AdaptiveInFlight);
        Assert.Equal(Target, new TrustChainApiOptions().StartLatencyTarget);
        var refused = validator.Validate(null, new TrustChainApiOptions { StartLatencyTarget = TimeSpan.Zero });
        Assert.Contains("TrustChain:Api:StartLatencyTarget must be positive.", refused.Failures!);
    }

    private RequestOutcome Outcome(RequestStatus status, bool silent = false) =>
        new(RequestId.New("api-test"), "orders", status, _time.GetUtcNow(), _time.GetUtcNow(), [], [], [], Silent: silent ? ["slow"] : null);

    /// <summary>Ends every slot, the first <paramref name="missing"/> with a worker silent (Partial), the rest Completed.</summary>
    private void EndAll(IEnumerable<InFlightSlot> slots, int missing)
    {
        foreach (var (slot, i) in slots.Select((s, i) => (s, i)))
        {
            slot.Ended(i < missing ? Outcome(RequestStatus.Partial, silent: true) : Outcome(RequestStatus.Completed));
            slot.Dispose();
        }
    }

    private InFlightLimit Limit(int maxInFlight, int perClient, bool adaptive = true) =>
        new(Options.Create(new TrustChainApiOptions { MaxInFlight = maxInFlight, MaxInFlightPerClient = perClient, AdaptiveInFlight = adaptive, StartLatencyTarget = Target }), _time);

    /// <summary><paramref name="count"/> dispatches entered over the clients in turn, each started <paramref name="took"/> later.</summary>
    private List<InFlightSlot> StartAll(InFlightLimit limit, int count, TimeSpan took)
    {
        var slots = Enter(limit, Clients, count);
        _time.Advance(took);
        foreach (var slot in slots)
        {
            slot.Started();
        }

        return slots;
    }

    /// <summary>The limit after the interval has run out and a dispatch came (the limit is reconsidered as dispatches come).</summary>
    private int Reconsidered(InFlightLimit limit)
    {
        _time.Advance(NodeInFlightLimit.Interval);
        limit.TryEnter(Clients[0]).Slot?.Dispose();
        return limit.Limit;
    }

    /// <summary><paramref name="count"/> slots, spread over the clients in turn; each must be granted.</summary>
    private static List<InFlightSlot> Enter(InFlightLimit limit, List<string> clients, int count) =>
        [.. Enumerable.Range(0, count).Select(i => limit.TryEnter(clients[i % clients.Count]).Slot ?? throw new InvalidOperationException($"slot {i} of {count} refused at {limit.InFlight} in flight, limit {limit.Limit}"))];

    private static void AssertRefused(InFlightRefusal expected, (InFlightSlot? Slot, InFlightRefusal Refusal) entry)
    {
        Assert.Null(entry.Slot);
        Assert.Equal(expected, entry.Refusal);
    }

    private static void Dispose(IEnumerable<InFlightSlot> slots)
    {
        foreach (var slot in slots)
        {
            slot.Dispose();
        }
    }
}
