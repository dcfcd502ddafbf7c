using TrustChain.Messages;

namespace TrustChain.Runtime;

/// <summary>Sends lease renewals for a task in progress until disposed.</summary>
internal sealed class LeaseRenewer : IAsyncDisposable
{
    private readonly InFlightTask _task;
    private readonly ITransport _transport;
    private readonly TimeProvider _time;
    private readonly Action<Exception> _onFailure;
    private readonly ITimer _timer;
    private int _sending;

    public LeaseRenewer(InFlightTask task, ITransport transport, TimeProvider time, Action<Exception> onFailure)
    {
        _task = task;
        _transport = transport;
        _time = time;
        _onFailure = onFailure;
        var period = task.Task.LeaseDuration / 3;
        _timer = time.CreateTimer(static s => ((LeaseRenewer)s!).Renew(), this, period, period);
    }

    public ValueTask DisposeAsync() => _timer.DisposeAsync();

    private async void Renew()
    {
        // A renewal still under way covers this tick too; piling up sends would not make the lease any safer.
        if (Interlocked.Exchange(ref _sending, 1) == 1 || _task.Token.IsCancellationRequested)
        {
            return;
        }

        try
        {
            var renewal = new LeaseRenewal(_task.Task.RequestId, _task.Worker, _transport.NodeId, _time.GetUtcNow());
            await _transport.SendAsync(_task.Task.ReplyTo, renewal, _task.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_task.Token.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _onFailure(ex);
        }
        finally
        {
            Volatile.Write(ref _sending, 0);
        }
    }
}
