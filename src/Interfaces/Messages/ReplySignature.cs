using Orleans;
using Orleans.Concurrency;
namespace TrustChain.Messages;

/// <summary>A signature over a verdict or result, with the signer and algorithm needed to verify it.</summary>
/// <param name="Signer">The worker whose key signed; it must be the worker the reply is from.</param>
/// <param name="Algorithm">A <see cref="Signing.ReplyAlgorithms"/> name; it must be the algorithm of the key that verifies it.</param>
/// <param name="Value">Base64 of the signature over the reply's <see cref="Signing.ReplyCanonicalForm"/>.</param>
/// <param name="KeyId">Which of the signer's keys signed (<see cref="Signing.ReplyCanonicalForm.KeyId"/>).</param>
[GenerateSerializer, Immutable]
public sealed record ReplySignature(string Signer, string Algorithm, string Value, string? KeyId = null);
