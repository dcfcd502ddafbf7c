using System.Text.Json;
using TrustChain.Grains;
using TrustChain.Messages;
using TrustChain.Serialization;
using Microsoft.Extensions.Time.Testing;

namespace TrustChain.Tests.Grains;

/// <summary>
/// One request's <see cref="RequestProtocol"/> on a <see cref="FakeTimeProvider"/>, with short-hands for the messages
/// workers send it. The protocol has no timer of its own: <see cref="Elapse"/> moves the clock and calls
/// <see cref="RequestProtocol.OnTimer"/> as its grain would; <see cref="AdvanceClockOnly"/> moves the clock and leaves
/// the protocol to notice on its next input.
/// </summary>
/// <remarks>The name predates the protocol's move out of the grain; other test folders use its epoch and task factory.</remarks>
internal sealed class GrainScenario
{
    public const string Topic = "order.placed";
    public const string OtherTopic = "order.cancelled";
    public const string Instance = "node-1";

    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private GrainScenario(FakeTimeProvider clock, TaskMessage task, IReadOnlyList<string> expected, TimeSpan window)
    {
        Clock = clock;
        Task = task;
        ExpectedWorkers = expected;
        Window = window;
        Protocol = new RequestProtocol(task, expected, window, clock);
    }

    public FakeTimeProvider Clock { get; }

    public TaskMessage Task { get; }

    public IReadOnlyList<string> ExpectedWorkers { get; }

    public TimeSpan Window { get; }

    public RequestProtocol Protocol { get; }

    public DateTimeOffset Now => Clock.GetUtcNow();

    public DateTimeOffset WindowEnd => Task.DispatchedAt + Window;

    public DateTimeOffset Deadline => Task.Deadline;

    /// <summary>A request expecting <paramref name="expected"/>, with the default window, lease and timeout.</summary>
    public static GrainScenario Expecting(params string[] expected) => Create(expected);

    public static GrainScenario Create(IEnumerable<string> expected, TimeSpan? window = null, TimeSpan? lease = null, TimeSpan? timeout = null)
    {
        var clock = new FakeTimeProvider(Epoch);
        var task = NewTask(clock.GetUtcNow(), timeout ?? DefaultTimeout, lease ?? DefaultLease);
        return new GrainScenario(clock, task, expected.ToList(), window ?? DefaultWindow);
    }

    public static TaskMessage NewTask(DateTimeOffset dispatchedAt, TimeSpan timeout, TimeSpan lease, string topic = Topic) =>
        new(RequestId.New("node-1"), topic, Json(new { orderId = 42 }), dispatchedAt, dispatchedAt + timeout, lease);

    public static JsonElement Json<T>(T value) => TrustChainJson.ToElement(value);

    /// <summary>The moment <paramref name="milliseconds"/> after dispatch.</summary>
    public DateTimeOffset At(double milliseconds) => Task.DispatchedAt + TimeSpan.FromMilliseconds(milliseconds);

    // ---- messages --------------------------------------------------------------------------------------------

    public VerdictMessage Verdict(string worker, bool interested, string instance = Instance, string topic = Topic) =>
        new(Task.RequestId, topic, worker, instance, interested, Now);

    public ResultMessage Success<T>(string worker, T value, string instance = Instance, string topic = Topic) =>
        new(Task.RequestId, topic, worker, instance, Succeeded: true, Json(value), Error: null, [], Now, Now);

    public ResultMessage Failure(string worker, string error, string instance = Instance, string topic = Topic) =>
        new(Task.RequestId, topic, worker, instance, Succeeded: false, Payload: null, error, [], Now, Now);

    public LeaseRenewal Renewal(string worker, string instance = Instance) => new(Task.RequestId, worker, instance, Now);

    // ---- inputs ----------------------------------------------------------------------------------------------

    public VerdictReply Interested(string worker, string instance = Instance) => Protocol.OnVerdict(Verdict(worker, true, instance));

    public VerdictReply Declines(string worker, string instance = Instance) => Protocol.OnVerdict(Verdict(worker, false, instance));

    public RejectionReason? Succeeds<T>(string worker, T value, string instance = Instance) => Protocol.OnResult(Success(worker, value, instance));

    public RejectionReason? Fails(string worker, string error, string instance = Instance) => Protocol.OnResult(Failure(worker, error, instance));

    public bool Renews(string worker, string instance = Instance) => Protocol.OnLeaseRenewal(Renewal(worker, instance));

    // ---- time ------------------------------------------------------------------------------------------------

    /// <summary>Moves the clock and fires the protocol's timer, as its grain does.</summary>
    public void Elapse(TimeSpan delta)
    {
        Clock.Advance(delta);
        Protocol.OnTimer();
    }

    public void Elapse(double milliseconds) => Elapse(TimeSpan.FromMilliseconds(milliseconds));

    /// <summary>Moves the clock to <paramref name="moment"/> and fires the protocol's timer.</summary>
    public void ElapseUntil(DateTimeOffset moment) => Elapse(moment - Now);

    /// <summary>Moves the clock without telling the protocol: its timer is late.</summary>
    public void AdvanceClockOnly(TimeSpan delta) => Clock.Advance(delta);

    public void AdvanceClockOnlyUntil(DateTimeOffset moment) => Clock.Advance(moment - Now);

    public WorkerResult ResultOf(string worker) =>
        Protocol.Snapshot().ResultOf(worker) ?? throw new InvalidOperationException($"{worker} has no result entry.");
}
