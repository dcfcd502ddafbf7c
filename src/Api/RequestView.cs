using System.Text.Json.Serialization;

namespace TrustChain.Api;

/// <summary>The answer to <c>GET /requests/{id}</c>: where the request stands, its journal, and its outcome once it ended.</summary>
/// <param name="Status"><c>Running</c> while it runs, then how it ended.</param>
/// <param name="Events">The journal so far, in order (the same events the event stream sends).</param>
/// <param name="Verdicts">The verdicts accepted so far.</param>
/// <param name="Results">The results accepted so far, with their payloads: a running request's partial results.</param>
/// <param name="Outcome">Null while the request runs; then the joined outcome, with the combined value and the decision.</param>
public sealed record RequestView(
    RequestId RequestId,
    string Topic,
    RequestStatus Status,
    IReadOnlyList<RequestEvent> Events,
    IReadOnlyList<WorkerVerdict> Verdicts,
    IReadOnlyList<WorkerResult> Results,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] RequestOutcome? Outcome);
