using TrustChain.Hosting;

namespace TrustChain.Bench;

/// <summary>
/// A way to configure the embedded node for the order scenario. Each variant is one more row; a signed variant is one
/// more entry in <see cref="All"/> (it adds the signing services to the builder).
/// </summary>
internal sealed record EmbeddedVariant(string Name, Action<ITrustChainBuilder> Configure)
{
    public static EmbeddedVariant Unsigned { get; } = new("unsigned", _ => { });

    public static IReadOnlyList<EmbeddedVariant> All { get; } = [Unsigned];
}
