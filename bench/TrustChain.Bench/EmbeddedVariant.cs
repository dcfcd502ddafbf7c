using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using TrustChain.Signing;

namespace TrustChain.Bench;

/// <summary>
/// A way to configure the silo for the order scenario; each variant is one more row. Unsigned turns signing off on
/// both sides (workers send no signature, the dispatcher checks none); signed: every verdict and result signed with
/// the worker's key (Ed25519, the algorithm of generated keys) and verified by the request's grain before it counts.
/// </summary>
internal sealed record EmbeddedVariant(string Name, Action<ISiloBuilder> Configure)
{
    public static EmbeddedVariant Unsigned { get; } = new("unsigned", s => s.Services.Configure<SigningOptions>(o =>
    {
        o.Policy = SigningPolicy.None;
        o.SignReplies = false;
    }));

    public static EmbeddedVariant Signed { get; } = new("signed", s => s.Services.Configure<SigningOptions>(o =>
    {
        o.Policy = SigningPolicy.Signed;
        o.SignReplies = true;
    }));

    public static IReadOnlyList<EmbeddedVariant> All { get; } = [Unsigned, Signed];
}
