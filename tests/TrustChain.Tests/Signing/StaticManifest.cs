using System.Collections.Immutable;
using System.Net;
using Orleans.Metadata;
using Orleans.Runtime;
using TrustChain.Workers;

namespace TrustChain.Tests.Signing;

/// <summary>
/// A cluster manifest that does not change, of silos that each announce workers with the public keys given: what a
/// node's <see cref="WorkerCatalog"/> reads, without a cluster (and with keys no honest silo would announce).
/// </summary>
internal sealed class StaticManifest : IClusterManifestProvider
{
    public StaticManifest(params (string Worker, string PublicKey)[] announced)
    {
        var silos = announced.Select((a, i) => KeyValuePair.Create(
            SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111 + i), 1),
            new GrainManifest(
                ImmutableDictionary<GrainType, GrainProperties>.Empty.Add(
                    WorkerCatalog.GrainTypeFor(a.Worker),
                    new GrainProperties(ImmutableDictionary.Create<string, string>(StringComparer.Ordinal)
                        .Add(WorkerProperties.Name, a.Worker)
                        .Add(WorkerProperties.Topics, "signing.order")
                        .Add(WorkerProperties.PublicKey, a.PublicKey))),
                ImmutableDictionary<GrainInterfaceType, GrainInterfaceProperties>.Empty)));
        Current = new ClusterManifest(new MajorMinorVersion(1, 1), silos.ToImmutableDictionary());
    }

    public ClusterManifest Current { get; }

    public IAsyncEnumerable<ClusterManifest> Updates => new[] { Current }.ToAsyncEnumerable();

    public GrainManifest LocalGrainManifest => Current.Silos.Values.First();
}
