namespace TrustChain.Messages;

/// <summary>A signature over a verdict or result, with the signer and algorithm needed to verify it.</summary>
public sealed record ReplySignature(string Signer, string Algorithm, string Value);
