using TrustChain.Grains;
using TrustChain.Runtime;
using TrustChain.Testing;

namespace TrustChain.Tests.Grains;

/// <summary>The <see cref="RequestActivation"/> schedules the grain's timer itself on the <see cref="TimeProvider"/>.</summary>
public class RequestActivationTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private static RequestActivation Activate(GrainScenario s) =>
        new(new RequestGrain(s.Task, s.ExpectedWorkers, s.Window, s.Clock), s.Clock);

    [Fact]
    public async Task Its_completion_finishes_when_the_clock_passes_the_window()
    {
        var s = GrainScenario.Expecting("fraud", "loyalty");
        using var activation = Activate(s);
        Assert.True(activation.OnVerdict(s.Verdict("fraud", interested: true)).Accepted);
        Assert.Null(activation.OnResult(s.Success("fraud", "ok")));
        Assert.Equal(1, s.Clock.ActiveTimers);

        s.Clock.Advance(s.Window - Tick);
        Assert.False(activation.Completion.IsCompleted);

        s.Clock.Advance(Tick);

        Assert.True(activation.Completion.IsCompletedSuccessfully);
        var outcome = await activation.Completion;
        Assert.Equal(RequestStatus.Partial, outcome.Status); // loyalty stayed silent
        Assert.Equal(s.WindowEnd, outcome.CompletedAt);
        Assert.Equal(s.WindowEnd, outcome.InterestClosedAt);
        Assert.Equal(0, s.Clock.ActiveTimers);
    }

    [Fact]
    public async Task Its_completion_finishes_at_the_deadline()
    {
        var s = GrainScenario.Create(["fraud"], lease: TimeSpan.FromSeconds(30), timeout: TimeSpan.FromSeconds(3));
        using var activation = Activate(s);
        activation.OnVerdict(s.Verdict("fraud", interested: true));

        s.Clock.Advance(TimeSpan.FromSeconds(3) - Tick);
        Assert.False(activation.Completion.IsCompleted);

        s.Clock.Advance(TimeSpan.FromMinutes(1)); // one big step: the timer fires at the deadline on the way

        Assert.True(activation.Completion.IsCompletedSuccessfully);
        var outcome = await activation.Completion;
        Assert.Equal(RequestStatus.TimedOut, outcome.Status);
        Assert.Equal(s.Deadline, outcome.CompletedAt);
        Assert.Equal(WorkerResultStatus.TimedOut, outcome.ResultOf("fraud")!.Status);
        Assert.Equal(["fraud"], activation.WorkersStillWorking());
    }

    [Fact]
    public async Task A_renewed_lease_keeps_the_activation_running_until_the_renewed_lease_runs_out()
    {
        var s = GrainScenario.Create(["fraud"], window: TimeSpan.FromMilliseconds(500), lease: TimeSpan.FromSeconds(1));
        using var activation = Activate(s);
        activation.OnVerdict(s.Verdict("fraud", interested: true));

        s.Clock.Advance(TimeSpan.FromMilliseconds(800));
        Assert.True(activation.OnLeaseRenewal(s.Renewal("fraud")));

        s.Clock.Advance(TimeSpan.FromMilliseconds(999)); // past the first lease (1 s), before the renewed one (1.8 s)
        Assert.False(activation.Completion.IsCompleted);
        Assert.Equal(WorkerResultStatus.Pending, activation.Snapshot().ResultOf("fraud")!.Status);

        s.Clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(activation.Completion.IsCompletedSuccessfully);
        var outcome = await activation.Completion;
        Assert.Equal(RequestStatus.Partial, outcome.Status);
        Assert.Equal(s.At(1800), outcome.CompletedAt);
        Assert.Equal(WorkerResultStatus.Lost, outcome.ResultOf("fraud")!.Status);
    }

    [Fact]
    public async Task An_activation_with_no_expected_workers_is_complete_at_once()
    {
        var s = GrainScenario.Expecting();
        using var activation = Activate(s);

        Assert.True(activation.Completion.IsCompletedSuccessfully);
        Assert.Equal(RequestStatus.NoInterest, (await activation.Completion).Status);
        Assert.Equal(0, s.Clock.ActiveTimers);
    }

    [Fact]
    public async Task Cancelling_an_activation_completes_it_and_disarms_its_timer()
    {
        var s = GrainScenario.Expecting("fraud");
        using var activation = Activate(s);
        activation.OnVerdict(s.Verdict("fraud", interested: true));
        Assert.Equal(1, s.Clock.ActiveTimers);

        Assert.True(activation.Cancel());

        Assert.True(activation.Completion.IsCompletedSuccessfully);
        var outcome = await activation.Completion;
        Assert.Equal(RequestStatus.Cancelled, outcome.Status);
        Assert.Equal(0, s.Clock.ActiveTimers);
        Assert.False(activation.Cancel());
        s.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Same(outcome, activation.Snapshot());
    }
}
