using TrustChain.Messages;

namespace TrustChain.Signing;

/// <summary>Checks a signature against a reply's canonical form: the one check every verifier uses.</summary>
public static class ReplySignatures
{
    /// <summary>
    /// Null when <paramref name="signature"/> is <paramref name="worker"/>'s valid signature over
    /// <paramref name="canonical"/>, by the key <paramref name="keyOf"/> trusts under its key id, in that key's
    /// algorithm. Fails closed: a signature naming another signer, an unknown algorithm or one that is not its key's,
    /// a value that is not base64 of 64 bytes, or one that does not verify, is <see cref="RejectionReason.InvalidSignature"/>.
    /// </summary>
    /// <param name="keyOf">The key trusted for the worker under a key id, or null when none is (given <paramref name="state"/>, so it need capture nothing).</param>
    public static RejectionReason? Check<TState>(ReplySignature? signature, string worker, ReadOnlySpan<byte> canonical, TState state, Func<TState, string, ReplyPublicKey?> keyOf)
    {
        ArgumentNullException.ThrowIfNull(keyOf);
        if (signature is null)
        {
            return RejectionReason.Unsigned;
        }

        if (!string.Equals(signature.Signer, worker, StringComparison.Ordinal)
            || !ReplyAlgorithms.IsKnown(signature.Algorithm)
            || string.IsNullOrEmpty(signature.KeyId))
        {
            return RejectionReason.InvalidSignature;
        }

        if (keyOf(state, signature.KeyId) is not { } key)
        {
            return RejectionReason.UnknownSigner;
        }

        // The key decides the algorithm: a signature claiming another is refused, never verified the other way.
        if (!string.Equals(signature.Algorithm, key.Algorithm, StringComparison.Ordinal) || signature.Value is not { Length: <= 96 } text)
        {
            return RejectionReason.InvalidSignature;
        }

        Span<byte> value = stackalloc byte[72];
        return Convert.TryFromBase64String(text, value, out var written)
            && written == ReplyAlgorithms.SignatureSize
            && key.Verify(canonical, value[..written])
            ? null
            : RejectionReason.InvalidSignature;
    }
}
