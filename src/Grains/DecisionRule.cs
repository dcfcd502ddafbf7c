namespace TrustChain.Grains;

/// <summary>
/// The dispatcher's rule (DESIGN.md, step 7): Commit when the request ended Completed or NoInterest, Abort otherwise.
/// The dispatcher applies it when it decides; a request started with nobody's acceptance check to wait for applies it
/// itself as it ends.
/// </summary>
internal static class DecisionRule
{
    public static (Decision Decision, string Reason) For(RequestStatus status) =>
        (status is RequestStatus.Completed or RequestStatus.NoInterest ? Decision.Commit : Decision.Abort, $"the request ended {status}");
}
