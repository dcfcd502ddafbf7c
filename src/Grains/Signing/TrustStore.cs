using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrustChain.Messages;
using TrustChain.Workers;
using TrustChain.Telemetry;

namespace TrustChain.Signing;

/// <summary>
/// Which public keys this node trusts for which worker. A worker pinned in <see cref="SigningOptions.TrustedKeys"/>
/// is trusted with that key only: any other key announced under its name is refused (logged once, counted in
/// <c>trustchain.keys.refused</c>), so an instance announcing it is never trusted. A worker not pinned is trusted
/// with the keys its live instances announce with the cluster manifest (see <see cref="WorkerCatalog"/>).
/// </summary>
public sealed partial class TrustStore : IDisposable
{
    private readonly Dictionary<string, ReplyPublicKey> _pinned = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ReplyPublicKey?> _announced = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Worker, string KeyId), bool> _refused = new();
    private readonly WorkerCatalog _membership;
    private readonly ILogger _logger;

    public TrustStore(IOptions<SigningOptions> options, WorkerCatalog catalog, ILogger<TrustStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalog);
        _membership = catalog;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        foreach (var (worker, text) in options.Value.TrustedKeys)
        {
            _pinned[worker] = ReplyPublicKey.Read(text);
        }
    }

    /// <summary>The announced keys refused so far because another key is pinned for their worker.</summary>
    public IReadOnlyCollection<(string Worker, string KeyId)> Refused
    {
        get
        {
            foreach (var worker in _pinned.Keys)
            {
                Review(worker);
            }

            return _refused.Keys.ToList();
        }
    }

    /// <summary>
    /// The public keys (base64 SubjectPublicKeyInfo, which names the algorithm) this node verifies the worker's replies
    /// with: its pinned key, or else the readable keys of a known algorithm its live instances announce. What a client
    /// needs to verify an outcome on its own.
    /// </summary>
    public IReadOnlyList<string> TrustedKeysOf(string worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        if (_pinned.TryGetValue(worker, out var pinned))
        {
            return [pinned.SubjectPublicKeyInfo];
        }

        return _membership.PublicKeysOf(worker).Select(Announced).OfType<ReplyPublicKey>().Select(k => k.SubjectPublicKeyInfo).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Null when the verdict carries a valid signature by a key trusted for its worker; else why not.</summary>
    public RejectionReason? Check(VerdictMessage verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        using var canonical = ReplyCanonicalForm.RentVerdict(verdict.RequestId, verdict.Topic, verdict.Worker, verdict.Interested);
        return Check(verdict.Signature, verdict.Worker, canonical.Span);
    }

    /// <inheritdoc cref="Check(VerdictMessage)"/>
    public RejectionReason? Check(ResultMessage result)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var canonical = ReplyCanonicalForm.RentResult(result.RequestId, result.Topic, result.Worker, result.Succeeded, result.Payload, result.Error, result.Children);
        return Check(result.Signature, result.Worker, canonical.Span);
    }

    public void Dispose()
    {
        foreach (var key in _pinned.Values.Concat(_announced.Values.OfType<ReplyPublicKey>()))
        {
            key.Dispose();
        }
    }

    private RejectionReason? Check(ReplySignature? signature, string worker, ReadOnlySpan<byte> canonical)
    {
        Review(worker);
        return ReplySignatures.Check(signature, worker, canonical, (Store: this, Worker: worker), static (state, keyId) => state.Store.KeyOf(state.Worker, keyId));
    }

    private ReplyPublicKey? KeyOf(string worker, string keyId)
    {
        if (_pinned.TryGetValue(worker, out var pinned))
        {
            return pinned.KeyId == keyId ? pinned : null;
        }

        // A handful of keys at most (one per silo hosting the worker), read once each.
        var announced = _membership.PublicKeysOf(worker);
        for (var i = 0; i < announced.Count; i++)
        {
            if (Announced(announced[i]) is { } key && key.KeyId == keyId)
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>Refuses, once each, the keys announced for a pinned worker that are not its pinned key.</summary>
    private void Review(string worker)
    {
        if (!_pinned.TryGetValue(worker, out var pinned))
        {
            return;
        }

        foreach (var announced in _membership.PublicKeysOf(worker).Select(Announced))
        {
            var keyId = announced?.KeyId ?? "unreadable";
            if (keyId != pinned.KeyId && _refused.TryAdd((worker, keyId), true))
            {
                TrustChainMetrics.KeyRefused(worker);
                LogRefused(worker, keyId, pinned.KeyId);
            }
        }
    }

    private ReplyPublicKey? Announced(string publicKey) => _announced.GetOrAdd(publicKey, static text =>
    {
        try
        {
            return ReplyPublicKey.Read(text);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            return null; // an unreadable announcement, or a key of an algorithm TrustChain does not know, vouches for nothing
        }
    });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused key {KeyId} announced for worker {Worker}: the trust store pins key {PinnedKeyId} for it; replies signed with the refused key are rejected")]
    private partial void LogRefused(string worker, string keyId, string pinnedKeyId);
}
