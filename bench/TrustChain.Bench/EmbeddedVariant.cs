using Microsoft.Extensions.DependencyInjection;
using TrustChain.Hosting;
using TrustChain.Signing;

namespace TrustChain.Bench;

/// <summary>
/// A way to configure the embedded node for the order scenario; each variant is one more row. Unsigned turns signing
/// off on both sides (workers send no signature, the dispatcher checks none); signed is the RabbitMQ default: every
/// verdict and result signed with the worker's ECDSA P-256 key and verified before it counts.
/// </summary>
internal sealed record EmbeddedVariant(string Name, Action<ITrustChainBuilder> Configure)
{
    public static EmbeddedVariant Unsigned { get; } = new("unsigned", b => b.Services.Configure<SigningOptions>(o =>
    {
        o.Policy = SigningPolicy.None;
        o.SignReplies = false;
    }));

    public static EmbeddedVariant Signed { get; } = new("signed", b => b.Services.Configure<SigningOptions>(o =>
    {
        o.Policy = SigningPolicy.Signed;
        o.SignReplies = true;
    }));

    public static IReadOnlyList<EmbeddedVariant> All { get; } = [Unsigned, Signed];
}
