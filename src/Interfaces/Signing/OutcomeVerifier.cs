using System.Security.Cryptography;

namespace TrustChain.Signing;

/// <summary>
/// Verifies an outcome, nested outcomes included, against public keys: every verdict and every result a worker
/// sent must carry that worker's valid signature over its canonical form. Anyone holding the keys can run it; it
/// needs nothing from the cluster.
/// </summary>
public sealed class OutcomeVerifier : IDisposable
{
    private readonly Dictionary<(string Worker, string KeyId), ECDsa> _keys = [];

    /// <param name="publicKeys">Worker name and public key (PEM or base64 SubjectPublicKeyInfo); a worker may have several.</param>
    public OutcomeVerifier(IEnumerable<KeyValuePair<string, string>> publicKeys)
    {
        ArgumentNullException.ThrowIfNull(publicKeys);
        foreach (var (worker, text) in publicKeys)
        {
            var key = ReplySignatures.ImportPublicKey(text);
            if (!_keys.TryAdd((worker, ReplySignatures.KeyIdOf(key)), key))
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
            var canonical = ReplyCanonicalForm.ForVerdict(outcome.RequestId, outcome.Topic, verdict.Worker, verdict.Interested);
            Report(problems, outcome, verdict.Worker, "verdict", ReplySignatures.Check(verdict.Signature, verdict.Worker, canonical, KeyOf(verdict.Worker)));
        }

        foreach (var result in outcome.Results)
        {
            // Only a reply is signed; Lost, TimedOut and Cancelled are the dispatcher's own account of silence.
            if (result.Status is WorkerResultStatus.Succeeded or WorkerResultStatus.Failed)
            {
                var canonical = ReplyCanonicalForm.ForResult(
                    outcome.RequestId, outcome.Topic, result.Worker, result.Status == WorkerResultStatus.Succeeded, result.Payload, result.Error, result.Children.Select(c => c.RequestId));
                Report(problems, outcome, result.Worker, "result", ReplySignatures.Check(result.Signature, result.Worker, canonical, KeyOf(result.Worker)));
            }

            foreach (var child in result.Children)
            {
                Verify(child, problems);
            }
        }
    }

    private Func<string, ECDsa?> KeyOf(string worker) => keyId => _keys.GetValueOrDefault((worker, keyId));

    private static void Report(List<string> problems, RequestOutcome outcome, string worker, string kind, RejectionReason? problem)
    {
        if (problem is { } reason)
        {
            problems.Add($"{outcome.RequestId}: {kind} of {worker}: {reason}");
        }
    }
}
