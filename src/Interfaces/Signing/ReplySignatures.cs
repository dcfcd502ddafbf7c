using System.Security.Cryptography;
using TrustChain.Messages;

namespace TrustChain.Signing;

/// <summary>Signs a reply's canonical form and checks a signature against it: the one check every verifier uses.</summary>
public static class ReplySignatures
{
    public static ReplySignature Sign(ECDsa key, string keyId, string worker, byte[] canonical)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new ReplySignature(worker, ReplyCanonicalForm.Algorithm, Convert.ToBase64String(key.SignData(canonical, HashAlgorithmName.SHA256)), keyId);
    }

    /// <summary>Null when <paramref name="signature"/> is <paramref name="worker"/>'s valid signature over <paramref name="canonical"/>.</summary>
    /// <param name="keyOf">The key trusted for the worker under a key id, or null when none is.</param>
    public static RejectionReason? Check(ReplySignature? signature, string worker, byte[] canonical, Func<string, ECDsa?> keyOf)
    {
        ArgumentNullException.ThrowIfNull(keyOf);
        if (signature is null)
        {
            return RejectionReason.Unsigned;
        }

        if (!string.Equals(signature.Signer, worker, StringComparison.Ordinal)
            || !string.Equals(signature.Algorithm, ReplyCanonicalForm.Algorithm, StringComparison.Ordinal)
            || string.IsNullOrEmpty(signature.KeyId))
        {
            return RejectionReason.InvalidSignature;
        }

        if (keyOf(signature.KeyId) is not { } key)
        {
            return RejectionReason.UnknownSigner;
        }

        var value = new byte[64];
        return Convert.TryFromBase64String(signature.Value, value, out var written) && written == value.Length
            && key.VerifyData(canonical, value, HashAlgorithmName.SHA256)
            ? null
            : RejectionReason.InvalidSignature;
    }

    /// <summary>Reads a public key given as PEM (<c>-----BEGIN PUBLIC KEY-----</c>) or as base64 of its SubjectPublicKeyInfo.</summary>
    public static ECDsa ImportPublicKey(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var key = ECDsa.Create();
        try
        {
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                key.ImportFromPem(text);
            }
            else
            {
                key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(text.Trim()), out _);
            }

            if (key.KeySize != 256)
            {
                throw new CryptographicException($"A {key.KeySize}-bit key is not a P-256 key.");
            }

            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The key id of a public key given as <see cref="ImportPublicKey"/> reads it.</summary>
    public static string KeyIdOf(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ReplyCanonicalForm.KeyId(key.ExportSubjectPublicKeyInfo());
    }
}
