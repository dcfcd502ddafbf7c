using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace TrustChain.Signing;

/// <summary>
/// Refuses to start with a key file that is missing, a pinned key that does not read, an unknown algorithm, or a bad
/// topic.
/// </summary>
public sealed class SigningOptionsValidator : IValidateOptions<SigningOptions>
{
    public ValidateOptionsResult Validate(string? name, SigningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var topic in options.Topics.Keys.Where(t => !TrustChain.Topics.IsValid(t)))
        {
            failures.Add($"TrustChain:Signing:Topics:{topic} does not name a valid topic: {TrustChain.Topics.Rule}.");
        }

        if (!ReplyAlgorithms.IsKnown(options.Algorithm))
        {
            failures.Add($"TrustChain:Signing:Algorithm '{options.Algorithm}' is not a signing algorithm of TrustChain ({string.Join(" or ", ReplyAlgorithms.All)}).");
        }

        foreach (var (worker, path) in options.Keys.Where(k => !File.Exists(k.Value)))
        {
            failures.Add($"TrustChain:Signing:Keys:{worker}: no key file at '{path}'.");
        }

        foreach (var (worker, text) in options.TrustedKeys)
        {
            try
            {
                using var key = ReplyPublicKey.Read(text);
            }
            catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
            {
                failures.Add($"TrustChain:Signing:TrustedKeys:{worker} is not an Ed25519 or P-256 public key (PEM or base64 SubjectPublicKeyInfo): {ex.Message}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
