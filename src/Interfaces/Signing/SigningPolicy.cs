using System.Diagnostics.CodeAnalysis;

namespace TrustChain.Signing;

/// <summary>Whether a dispatcher demands signed verdicts and results (<c>TrustChain:Signing:Policy</c>).</summary>
[Orleans.GenerateSerializer]
public enum SigningPolicy
{
    /// <summary>Replies count whether signed or not; signatures are carried but not checked (local development).</summary>
    None,

    /// <summary>Only replies signed by a key trusted for their worker count; the others are rejected.</summary>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The setting's documented value: TrustChain:Signing:Policy = Signed.")]
    Signed,
}
