using Orleans;
using Orleans.Concurrency;

namespace TrustChain;

/// <summary>What the cluster's list of recent requests holds, against its bounds.</summary>
/// <param name="Listed">Requests listed, running and ended.</param>
/// <param name="Ended">Ended requests retained for reading (at most <c>TrustChain:MaxRetainedRequests</c> once none runs).</param>
/// <param name="Bytes">Their retained bytes, as their grains estimated them (at most <c>TrustChain:MaxRetainedBytes</c>).</param>
[GenerateSerializer, Immutable]
public sealed record RetainedRequests(int Listed, int Ended, long Bytes);
