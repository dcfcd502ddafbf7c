using Orleans;
using Orleans.Concurrency;

namespace TrustChain.Workers;

/// <summary>One worker as the live silos of the cluster host it.</summary>
/// <param name="Silos">The silos hosting the worker's grain class, each an instance.</param>
/// <param name="PublicKeys">The public keys (base64 SubjectPublicKeyInfo) its silos announce, one per silo at most.</param>
[GenerateSerializer, Immutable]
public sealed record WorkerInfo(string Worker, IReadOnlyList<string> Topics, IReadOnlyList<string> Silos, IReadOnlyList<string> PublicKeys);
