using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Messages;
using TrustChain.Serialization;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>What goes on the wire, and what is refused when it comes back (no broker needed).</summary>
public sealed class RabbitMqWireTests
{
    private static readonly RequestId Id = RequestId.New("node-a");
    private static readonly DateTimeOffset At = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Every kind the message contract declares, so a new message cannot be left out of the wire.</summary>
    public static TheoryData<string> Kinds => new(typeof(TrustChainMessage)
        .GetCustomAttributes(typeof(JsonDerivedTypeAttribute), inherit: false)
        .Cast<JsonDerivedTypeAttribute>()
        .Select(a => (string)a.TypeDiscriminator!));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_message_kind_reads_back_as_it_was_written_with_its_kind_first(string kind)
    {
        var message = Sample(kind);

        var body = RabbitMqWire.Encode(message);

        Assert.StartsWith($$"""{"kind":"{{kind}}",""", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        Assert.True(RabbitMqWire.TryDecodeMessage(body, out var read, out var reason), reason);
        Assert.Equal(kind, RabbitMqWire.KindOf(read));
        Assert.Equal(Encoding.UTF8.GetString(body), Encoding.UTF8.GetString(RabbitMqWire.Encode(read)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\u00ff\u00fe garbage")]
    [InlineData("[1, 2, 3]")]
    [InlineData("""{ "requestId": "node-a.00000000000000000000000000000000" }""")]
    [InlineData("""{ "kind": "no-such-kind" }""")]
    [InlineData("""{ "kind": "task" }""")]
    [InlineData("""{ "kind": "task", "requestId": "not-an-id", "topic": "a.b" }""")]
    [InlineData("""{ "kind": "cancel", "requestId": "node-a.00000000000000000000000000000000", "status": "NotAStatus" }""")]
    public void Unreadable_bodies_and_envelopes_are_refused_with_a_reason(string text)
    {
        Assert.False(RabbitMqWire.TryDecodeMessage(Encoding.UTF8.GetBytes(text), out _, out var reason));
        Assert.False(string.IsNullOrWhiteSpace(reason));
    }

    [Fact]
    public void Envelopes_that_parse_into_half_a_message_are_refused_too()
    {
        var task = (TaskMessage)Sample("task");
        var verdict = (VerdictMessage)Sample("verdict");

        Assert.Contains("topic", Refuse(task with { Topic = "Not A Topic" }), StringComparison.Ordinal);
        Assert.Contains("reply address", Refuse(task with { ReplyTo = "NO" }), StringComparison.Ordinal);
        Assert.Contains("lease", Refuse(task with { LeaseDuration = TimeSpan.Zero }), StringComparison.Ordinal);
        var withoutPayload = JsonNode.Parse(RabbitMqWire.Encode(task))!.AsObject();
        withoutPayload.Remove("payload");
        Assert.False(RabbitMqWire.TryDecodeMessage(Encoding.UTF8.GetBytes(withoutPayload.ToJsonString()), out _, out var noPayload));
        Assert.Contains("payload", noPayload, StringComparison.Ordinal);
        Assert.Contains("worker", Refuse(verdict with { Worker = "Bad Worker" }), StringComparison.Ordinal);
        Assert.Contains("instance", Refuse(verdict with { Instance = "" }), StringComparison.Ordinal);
        Assert.Contains("reply address", Refuse((RequestQuery)Sample("query") with { ReplyTo = "NO" }), StringComparison.Ordinal);

        // An explicit null where the record wants a value.
        var nullWorker = JsonSerializer.Serialize<TrustChainMessage>(verdict, TrustChainJson.Options).Replace("\"worker\":\"probe\"", "\"worker\":null", StringComparison.Ordinal);
        Assert.False(RabbitMqWire.TryDecodeMessage(Encoding.UTF8.GetBytes(nullWorker), out _, out _));

        static string Refuse(TrustChainMessage message)
        {
            Assert.False(RabbitMqWire.TryDecodeMessage(RabbitMqWire.Encode(message), out _, out var reason));
            return reason;
        }
    }

    [Fact]
    public void Announcements_read_back_and_broken_ones_are_refused()
    {
        var announcement = new MembershipAnnouncement("node-a", [new AnnouncedWorker("fraud", ["order.placed"])], TimeSpan.FromSeconds(2), At);

        Assert.True(RabbitMqWire.TryDecodeAnnouncement(RabbitMqWire.Encode(announcement), out var read, out var reason), reason);
        Assert.Equal(("node-a", "fraud", "order.placed", TimeSpan.FromSeconds(2)), (read.Node, read.Workers[0].Worker, read.Workers[0].Topics[0], read.Interval));
        Assert.False(RabbitMqWire.TryDecodeAnnouncement(Encoding.UTF8.GetBytes("{}"), out _, out _));
        Assert.False(RabbitMqWire.TryDecodeAnnouncement(RabbitMqWire.Encode(announcement with { Interval = TimeSpan.Zero }), out _, out _));
        Assert.False(RabbitMqWire.TryDecodeAnnouncement(RabbitMqWire.Encode(announcement with { Workers = [new AnnouncedWorker("fraud", ["#"])] }), out _, out _));
    }

    private static TrustChainMessage Sample(string kind) => kind switch
    {
        "task" => new TaskMessage(Id, "order.placed", JsonDocument.Parse("""{"amount":5}""").RootElement.Clone(), "node-a", At, At.AddSeconds(30), TimeSpan.FromSeconds(10), RequestId.New("node-b"), "inventory", "00-trace-span-01"),
        "verdict" => new VerdictMessage(Id, "order.placed", "probe", "node-b", true, At),
        "verdict-reply" => new VerdictReply(Id, "probe", "node-b", false, RejectionReason.InterestClosed),
        "result" => new ResultMessage(Id, "order.placed", "probe", "node-b", false, null, "it broke", [], At, At.AddSeconds(1)),
        "lease" => new LeaseRenewal(Id, "probe", "node-b", At),
        "cancel" => new CancelRequest(Id, RequestStatus.TimedOut),
        "child-dispatched" => new ChildDispatched(Id, "inventory", RequestId.New("node-b"), "stock.reserve", At),
        "decision" => new DecisionMessage(Id, Decision.Abort, "the request ended Partial"),
        "decision-ack" => new DecisionAck(Id, "warehouse-a", "node-b", Decision.Abort, DecisionAckStatus.Applied, At, "reserved A-1 x2"),
        "query" => new RequestQuery(Id, Guid.Parse("5a1f0c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b"), "node-b", RequestQueryKind.Events, 3, TimeSpan.FromSeconds(15)),
        "query-reply" => new RequestQueryReply(
            Id,
            Guid.Parse("5a1f0c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b"),
            RequestQueryAnswer.Found,
            new RequestOutcome(Id, "order.placed", RequestStatus.Completed, At, At.AddSeconds(1), [], [], [], At, Combined: JsonDocument.Parse("""{"approved":true}""").RootElement.Clone()),
            [new RequestEvent(1, RequestEventKind.Dispatched, At, Id, Expected: ["fraud"]), new RequestEvent(2, RequestEventKind.Verdict, At, Id, "fraud", Interested: false)],
            Ended: true),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
