namespace TrustChain.Engines.RabbitMQ;

/// <summary>
/// A node's heartbeat on the membership exchange: the workers it hosts and their topics. It promises the next one
/// within <see cref="Interval"/>; three missed promises and its workers leave the expected sets.
/// </summary>
/// <param name="Leaving">Sent by a node that stops gracefully, so others drop it at once instead of after three heartbeats.</param>
public sealed record MembershipAnnouncement(
    string Node,
    IReadOnlyList<AnnouncedWorker> Workers,
    TimeSpan Interval,
    DateTimeOffset At,
    bool Leaving = false);
