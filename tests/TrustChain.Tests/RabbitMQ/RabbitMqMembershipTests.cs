using TrustChain.Engines.RabbitMQ;
using TrustChain.Testing;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>Membership by heartbeat on a manual clock: the three-heartbeat rule exactly (no broker needed).</summary>
public sealed class RabbitMqMembershipTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private readonly ManualTimeProvider _time = new();
    private readonly RabbitMqMembership _membership;

    public RabbitMqMembershipTests() => _membership = new RabbitMqMembership("self", _time);

    [Fact]
    public void This_nodes_own_workers_count_at_once_and_leave_when_unsubscribed()
    {
        _membership.AddLocal("fraud", ["order.placed"]);
        Assert.Equal(["fraud"], _membership.WorkersFor("order.placed"));

        _membership.RemoveLocal("fraud");
        Assert.Empty(_membership.WorkersFor("order.placed"));
    }

    [Fact]
    public void Another_nodes_worker_counts_from_its_announcement_until_three_heartbeats_are_missed()
    {
        Assert.True(_membership.Observe(Announce("node-b", "fraud")));
        Assert.Equal(["fraud"], _membership.WorkersFor("order.placed"));

        _time.Advance(Interval * 3 - TimeSpan.FromTicks(1));
        Assert.Equal(["fraud"], _membership.WorkersFor("order.placed"));

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Empty(_membership.WorkersFor("order.placed"));
        Assert.Empty(_membership.Workers);
    }

    [Fact]
    public void A_worker_stays_while_any_of_its_instances_is_heard_and_its_instances_are_listed()
    {
        _membership.Observe(Announce("node-b", "fraud"));
        _time.Advance(Interval * 2);
        Assert.True(_membership.Observe(Announce("node-c", "fraud")));
        _time.Advance(Interval * 2);

        var fraud = Assert.Single(_membership.Workers);
        Assert.Equal(["node-c"], fraud.Instances);
        Assert.Equal(["fraud"], _membership.WorkersFor("order.placed"));
    }

    [Fact]
    public void An_older_announcement_that_overtakes_a_newer_one_keeps_the_newer_workers_but_renews_the_node()
    {
        var older = new MembershipAnnouncement("node-b", [new AnnouncedWorker("fraud", ["order.placed"])], Interval, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var newer = new MembershipAnnouncement("node-b", [new AnnouncedWorker("fraud", ["order.placed"]), new AnnouncedWorker("loyalty", ["order.placed"])], Interval, _time.GetUtcNow());

        _membership.Observe(newer);
        _time.Advance(Interval * 2);
        _membership.Observe(older);
        _time.Advance(Interval * 2);

        Assert.Equal(["fraud", "loyalty"], _membership.WorkersFor("order.placed").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_heartbeat_renews_a_node_and_only_a_new_or_returning_node_asks_for_an_answer()
    {
        Assert.True(_membership.Observe(Announce("node-b", "fraud")));
        _time.Advance(Interval * 2);
        Assert.False(_membership.Observe(Announce("node-b", "fraud")));
        _time.Advance(Interval * 2);
        Assert.Equal(["fraud"], _membership.WorkersFor("order.placed"));

        _time.Advance(Interval * 3);
        Assert.True(_membership.Observe(Announce("node-b", "fraud")));
        Assert.False(_membership.Observe(Announce("self", "loyalty")));
        Assert.Empty(_membership.WorkersFor("other.topic"));
    }

    [Fact]
    public void A_node_that_says_it_leaves_is_gone_at_once()
    {
        _membership.Observe(Announce("node-b", "fraud"));

        _membership.Observe(new MembershipAnnouncement("node-b", [], Interval, _time.GetUtcNow(), Leaving: true));

        Assert.Empty(_membership.WorkersFor("order.placed"));
    }

    [Fact]
    public void While_this_node_is_cut_off_from_the_broker_nobody_is_judged_silent_and_on_return_everyone_gets_three_heartbeats()
    {
        _membership.Observe(Announce("node-b", "fraud"));
        _membership.Suspend();
        _time.Advance(Interval * 10);
        _membership.Expire();
        Assert.Equal(["fraud"], _membership.WorkersFor("order.placed"));

        _membership.Resume();
        _time.Advance(Interval * 3 - TimeSpan.FromTicks(1));
        Assert.Equal(["fraud"], _membership.WorkersFor("order.placed"));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Empty(_membership.WorkersFor("order.placed"));
    }

    [Fact]
    public async Task A_wait_completes_on_the_change_it_waits_for()
    {
        var joined = _membership.WaitUntilAsync(m => m.WorkersFor("order.placed").Count == 1, CancellationToken.None);
        Assert.False(joined.IsCompleted);

        _membership.Observe(Announce("node-b", "fraud"));

        await joined.WaitAsync(Cluster.Safety.Timeout);
    }

    private MembershipAnnouncement Announce(string node, string worker) =>
        new(node, [new AnnouncedWorker(worker, ["order.placed"])], Interval, _time.GetUtcNow());
}
