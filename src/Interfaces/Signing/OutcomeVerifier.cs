namespace TrustChain.Signing;

/// <summary>
/// Verifies an outcome, nested outcomes included, against public keys: every verdict and every result a worker
/// sent must carry that worker's valid signature over its canonical form. Anyone holding the keys can run it; it
/// needs nothing from the cluster.
/// </summary>
public sealed class OutcomeVerifier : IDisposable
{
    private readonly Dictionary<(string Worker, string KeyId), ReplyPublicKey> _keys = [];

    /// <param name="publicKeys">
    /// Worker name and public key (PEM or base64 SubjectPublicKeyInfo, Ed25519 or P-256: the key says which); a
    /// worker may have several.
    /// </param>
    /// <exception cref="System.Security.Cryptography.CryptographicException">A key that is neither.</exception>
    public OutcomeVerifier(IEnumerable<KeyValuePair<string, string>> publicKeys)
    {
        ArgumentNullException.ThrowIfNull(publicKeys);
        foreach (var (worker, text) in publicKeys)
        {
            var key = ReplyPublicKey.Read(text);
            if (!_keys.TryAdd((worker, key.KeyId), key))
            {
                key.Dispose();
            }
        }
    }

    /// <summary>What does not verify, one line each; empty when the whole outcome verifies.</summary>
    public IReadOnlyList<string> Verify(RequestOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var problems = new List<string>();
        Verify(outcome, problems);
        return problems;
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }

        _keys.Clear();
    }

    private void Verify(RequestOutcome outcome, List<string> problems)
    {
        foreach (var verdict in outcome.Verdicts)
        {
            using var canonical = ReplyCanonicalForm.RentVerdict(outcome.RequestId, outcome.Topic, verdict.Worker, verdict.Interested);
            Report(problems, outcome, verdict.Worker, "verdict", ReplySignatures.Check(verdict.Signature, verdict.Worker, canonical.Span, (_keys, verdict.Worker), KeyOf));
        }

        foreach (var result in outcome.Results)
        {
            // Only a reply is signed; Lost, TimedOut and Cancelled are the dispatcher's own account of silence.
            if (result.Status is WorkerResultStatus.Succeeded or WorkerResultStatus.Failed)
            {
                using var canonical = ReplyCanonicalForm.RentResult(
                    outcome.RequestId, outcome.Topic, result.Worker, result.Status == WorkerResultStatus.Succeeded, result.Payload, result.Error, result.Children);
                Report(problems, outcome, result.Worker, "result", ReplySignatures.Check(result.Signature, result.Worker, canonical.Span, (_keys, result.Worker), KeyOf));
            }

            foreach (var child in result.Children)
            {
                Verify(child, problems);
            }
        }
    }

    private static ReplyPublicKey? KeyOf((Dictionary<(string Worker, string KeyId), ReplyPublicKey> Keys, string Worker) state, string keyId) =>
        state.Keys.GetValueOrDefault((state.Worker, keyId));

    private static void Report(List<string> problems, RequestOutcome outcome, string worker, string kind, RejectionReason? problem)
    {
        if (problem is { } reason)
        {
            problems.Add($"{outcome.RequestId}: {kind} of {worker}: {reason}");
        }
    }
}
