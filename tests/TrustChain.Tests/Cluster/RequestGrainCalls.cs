using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using TrustChain.Messages;

namespace TrustChain.Tests.Cluster;

/// <summary>
/// Watches, on every silo it is registered on, the replies request grains have finished handling: a worker's verdict,
/// its result, its acknowledgement of the decision. A test awaits them instead of guessing when a one-way step has
/// landed. Each is seen once the grain's call returned: the grain has applied it and persisted its state. It also
/// sees a caller's wait for the outcome as it begins, and keeps every call a request grain received (method and
/// silo), reminder ticks included.
/// </summary>
public sealed class RequestGrainCalls : IIncomingGrainCallFilter
{
    private readonly Lock _gate = new();
    private readonly List<Reply> _replies = [];
    private readonly List<ReceivedCall> _calls = [];
    private readonly List<(Func<Reply, bool> Match, int Count, TaskCompletionSource Seen)> _waiters = [];

    /// <summary>The kind of reply a request grain handled.</summary>
    public enum Kind
    {
        Verdict,
        Result,
        DecisionAck,

        /// <summary>A caller began waiting for the outcome (<see cref="IRequestGrain.WaitForOutcomeAsync"/>).</summary>
        OutcomeWait,

        /// <summary>The request was told to forget its state (<see cref="IRequestGrain.ForgetAsync"/>), by the list of recent requests.</summary>
        Forgotten,
    }

    /// <summary>One reply a request grain handled.</summary>
    /// <param name="Worker">The replying worker; empty for a wait.</param>
    public sealed record Reply(Kind Kind, RequestId RequestId, string Worker, object Message);

    /// <summary>One call a request grain received: the method (of <see cref="IRequestGrain"/>) and where its activation was.</summary>
    public sealed record ReceivedCall(RequestId RequestId, string Method, SiloAddress? Silo);

    /// <summary>Registers the watch on a silo's services (the test cluster's <c>services</c> argument).</summary>
    public void AddTo(IServiceCollection services) => services.AddSingleton<IIncomingGrainCallFilter>(this);

    /// <summary>Once the request's grain has handled the worker's verdict.</summary>
    public Task VerdictHandled(RequestId request, string worker) => When(Kind.Verdict, request, worker, 1);

    /// <summary>Once the request's grain has handled the worker's result (accepted or refused).</summary>
    public Task ResultHandled(RequestId request, string worker) => When(Kind.Result, request, worker, 1);

    /// <summary>Once the request's grain has handled <paramref name="count"/> acknowledgements of the decision from the worker.</summary>
    public Task Acknowledged(RequestId request, string worker, int count = 1) => When(Kind.DecisionAck, request, worker, count);

    /// <summary>Once <paramref name="count"/> waits for the request's outcome have begun (a caller asks again when one ends empty).</summary>
    public Task OutcomeWaitsBegun(RequestId request, int count) => When(Kind.OutcomeWait, request, string.Empty, count);

    /// <summary>Once the request's grain has handled being told to forget its state.</summary>
    public Task Forgotten(RequestId request) => When(Kind.Forgotten, request, string.Empty, 1);

    /// <summary>What the request's grains handled so far, in order.</summary>
    public IReadOnlyList<Reply> Of(RequestId request)
    {
        lock (_gate)
        {
            return _replies.Where(r => r.RequestId == request).ToList();
        }
    }

    /// <summary>Every call the request's grains received so far, in order of arrival.</summary>
    public IReadOnlyList<ReceivedCall> CallsTo(RequestId request)
    {
        lock (_gate)
        {
            return _calls.Where(c => c.RequestId == request).ToList();
        }
    }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Grain is IRequestGrain)
        {
            lock (_gate)
            {
                _calls.Add(new ReceivedCall(RequestId.Parse(context.TargetId.Key.ToString()!), context.MethodName, context.TargetContext.Address.SiloAddress));
            }
        }

        // Started first, told after: by the time Invoke returns, the wait has run up to its first await, so its
        // timer on the grain clock is armed; a test that moves the clock once told cannot move it before the timer.
        var invoked = context.Invoke();
        if (context.Grain is IRequestGrain && context.MethodName == nameof(IRequestGrain.WaitForOutcomeAsync))
        {
            Record(new Reply(Kind.OutcomeWait, RequestId.Parse(context.TargetId.Key.ToString()!), string.Empty, context.Request.GetArgument(0)!));
        }

        await invoked;
        if (context.Grain is IRequestGrain && context.MethodName == nameof(IRequestGrain.ForgetAsync))
        {
            Record(new Reply(Kind.Forgotten, RequestId.Parse(context.TargetId.Key.ToString()!), string.Empty, string.Empty));
        }

        if (context.Grain is not IRequestGrain || context.Request.GetArgumentCount() == 0)
        {
            return;
        }

        Reply? reply = context.Request.GetArgument(0) switch
        {
            VerdictMessage v => new Reply(Kind.Verdict, v.RequestId, v.Worker, v),
            ResultMessage r => new Reply(Kind.Result, r.RequestId, r.Worker, r),
            DecisionAck a => new Reply(Kind.DecisionAck, a.RequestId, a.Worker, a),
            _ => null,
        };
        if (reply is not null)
        {
            Record(reply);
        }
    }

    private Task When(Kind kind, RequestId request, string worker, int count)
    {
        bool Match(Reply r) => r.Kind == kind && r.RequestId == request && r.Worker == worker;
        lock (_gate)
        {
            if (_replies.Count(Match) >= count)
            {
                return Task.CompletedTask;
            }

            var seen = Safety.Signal();
            _waiters.Add((Match, count, seen));
            return seen.Task;
        }
    }

    private void Record(Reply reply)
    {
        List<TaskCompletionSource> done = [];
        lock (_gate)
        {
            _replies.Add(reply);
            foreach (var waiter in _waiters.ToList())
            {
                if (_replies.Count(waiter.Match) >= waiter.Count)
                {
                    _waiters.Remove(waiter);
                    done.Add(waiter.Seen);
                }
            }
        }

        foreach (var seen in done)
        {
            seen.TrySetResult();
        }
    }
}
