using TrustChain.Demo;

namespace TrustChain.Api;

/// <summary>What the demo warehouses hosted by this process hold, to watch compensation from outside.</summary>
public static class DemoEndpoints
{
    public static IEndpointRouteBuilder MapDemoReservations(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/demo/reservations", (ReservationLedger ledger) => TypedResults.Ok(new Reservations(ledger.Snapshot(), ledger.Released)))
            .WithName("DemoReservations")
            .WithSummary("The demo warehouses' tentative and confirmed reservations on this silo, and how many were released.");
        return endpoints;
    }

    public sealed record Reservations(IReadOnlyList<ReservationLedger.WarehouseReservation> Items, long Released);
}
