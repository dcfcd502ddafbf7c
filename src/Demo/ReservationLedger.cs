namespace TrustChain.Demo;

/// <summary>
/// The demo warehouses' stock reservations on this silo: held tentatively while the order is in flight, confirmed on
/// Commit, released on Abort or when no decision comes in time, so that compensation can be watched from outside.
/// </summary>
public sealed class ReservationLedger
{
    /// <summary>How many confirmed reservations are kept for reading; older ones leave first.</summary>
    public const int MaxConfirmed = 1000;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Warehouse, RequestId Request), WarehouseReservation> _tentative = [];
    private readonly Queue<WarehouseReservation> _confirmed = new();
    private long _released;

    /// <summary>Reservations released (aborted or expired) since the silo started.</summary>
    public long Released => Interlocked.Read(ref _released);

    public void Reserve(string warehouse, RequestId request, string? orderId, IReadOnlyList<OrderItem> items)
    {
        lock (_gate)
        {
            _tentative[(warehouse, request)] = new WarehouseReservation(warehouse, request, orderId, items, ReservationState.Tentative);
        }
    }

    /// <summary>
    /// Confirms the reservation; <paramref name="orderId"/> and <paramref name="items"/> (from the tentative effect)
    /// stand in when it was held on another silo.
    /// </summary>
    public void Confirm(string warehouse, RequestId request, string? orderId, IReadOnlyList<OrderItem> items)
    {
        lock (_gate)
        {
            if (!_tentative.Remove((warehouse, request), out var held))
            {
                held = new WarehouseReservation(warehouse, request, orderId, items, ReservationState.Tentative);
            }

            {
                _confirmed.Enqueue(held with { State = ReservationState.Confirmed });
                while (_confirmed.Count > MaxConfirmed)
                {
                    _confirmed.Dequeue();
                }
            }
        }
    }

    public void Release(string warehouse, RequestId request)
    {
        lock (_gate)
        {
            if (_tentative.Remove((warehouse, request)))
            {
                _released++;
            }
        }
    }

    /// <summary>The tentative reservations, then the confirmed ones, oldest first.</summary>
    public IReadOnlyList<WarehouseReservation> Snapshot()
    {
        lock (_gate)
        {
            return [.. _tentative.Values, .. _confirmed];
        }
    }

    public sealed record WarehouseReservation(string Warehouse, RequestId RequestId, string? OrderId, IReadOnlyList<OrderItem> Items, ReservationState State);

    public enum ReservationState
    {
        Tentative,
        Confirmed,
    }
}
