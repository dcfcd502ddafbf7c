using System.Text.Json.Serialization;

namespace TrustChain.Api;

/// <summary>One worker of <c>GET /workers</c>.</summary>
/// <param name="Instances">The nodes its live instances run on.</param>
/// <param name="PublicKeys">The keys its replies are signed with; null until signing is in place.</param>
public sealed record WorkerEntry(
    string Name,
    IReadOnlyList<string> Topics,
    IReadOnlyList<string> Instances,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyList<string>? PublicKeys);
