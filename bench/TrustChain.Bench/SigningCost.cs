using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using NSec.Cryptography;
using TrustChain.Signing;

namespace TrustChain.Bench;

/// <summary>
/// <c>TrustChain.Bench signing-cost [iterations]</c>: what one signature costs on this machine, apart from Orleans:
/// ECDSA P-256 (the BCL, OpenSSL here) against Ed25519 (NSec, libsodium), signing and verifying a reply's canonical
/// form, and what building those bytes costs. Time per operation on one thread, operations per second with a thread
/// per core, bytes allocated per operation. A diagnostic for choosing, not a row of the report.
/// </summary>
internal static class SigningCost
{
    public const string Name = "signing-cost";

    public static void Run(int iterations, TextWriter output)
    {
        var id = RequestId.New("bench");
        JsonElement? payload = BenchTopics.OrderPayload(1);
        var canonical = ReplyCanonicalForm.ForResult(id, BenchTopics.Order, "bench-fraud", true, payload, null, []);

        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = ecdsa.ExportParameters(includePrivateParameters: true);
        var ecdsaSignature = ecdsa.SignData(canonical, HashAlgorithmName.SHA256);
        using var ed25519 = Key.Create(SignatureAlgorithm.Ed25519);
        var ed25519Signature = SignatureAlgorithm.Ed25519.Sign(ed25519, canonical);
        var ed25519Public = ed25519.PublicKey;
        var base64 = Convert.ToBase64String(ed25519Signature);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores; {iterations:N0} operations per crypto row; canonical form of the order's result: {canonical.Length} bytes"));
        output.WriteLine();
        output.WriteLine("| operation | µs/op, 1 thread | ops/s, a thread per core | B allocated/op |");
        output.WriteLine("| --- | --- | --- | --- |");

        // ECDSA: an instance per thread (instances are not documented as safe for concurrent use; the key ring rents one per operation).
        Row(output, "ECDSA P-256 sign (SHA-256, P1363)", iterations, () =>
        {
            var key = ECDsa.Create(parameters);
            var signature = new byte[64];
            return () => key.TrySignData(canonical, signature, HashAlgorithmName.SHA256, out _);
        });
        Row(output, "ECDSA P-256 verify", iterations, () =>
        {
            var key = ECDsa.Create(parameters);
            return () => key.VerifyData(canonical, ecdsaSignature, HashAlgorithmName.SHA256);
        });

        // NSec's keys are safe to share between threads.
        Row(output, "Ed25519 sign (NSec)", iterations, () =>
        {
            var signature = new byte[64];
            return () =>
            {
                SignatureAlgorithm.Ed25519.Sign(ed25519, canonical, signature);
                return true;
            };
        });
        Row(output, "Ed25519 verify (NSec)", iterations, () => () => SignatureAlgorithm.Ed25519.Verify(ed25519Public, canonical, ed25519Signature));
        Row(output, "ECDSA P-256 key made from its parameters", iterations / 10, () => () =>
        {
            using var copy = ECDsa.Create(parameters);
            return copy.KeySize == 256;
        });

        // What a worker does per reply (canonical form in a pooled buffer, sign, base64, the signature record) and what
        // the verifier does (the same form, key lookup, base64 decode, verify), per algorithm.
        foreach (var algorithm in ReplyAlgorithms.All)
        {
            using var key = new WorkerKey("bench-fraud", ReplySigningKey.Generate(algorithm));
            var verdict = new WorkerVerdict("bench-fraud", true, DateTimeOffset.UnixEpoch, key.SignVerdict(id, BenchTopics.Order, true));
            var outcome = new RequestOutcome(id, BenchTopics.Order, RequestStatus.Completed, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, [], [verdict], []);
            using var verifier = new OutcomeVerifier([KeyValuePair.Create("bench-fraud", key.PublicKey)]);
            Row(output, $"{algorithm}: a worker signs its verdict (WorkerKey.SignVerdict)", iterations, () => () => key.SignVerdict(id, BenchTopics.Order, true).Value.Length == 88);
            Row(output, $"{algorithm}: a worker signs its result (WorkerKey.SignResult)", iterations, () => () => key.SignResult(id, BenchTopics.Order, true, payload, null, []).Value.Length == 88);
            Row(output, $"{algorithm}: a verdict verified (OutcomeVerifier, the trust store's check)", iterations, () => () => verifier.Verify(outcome).Count == 0);
        }

        var many = iterations * 10;
        Row(output, "canonical form of a verdict, as a new array (ReplyCanonicalForm.ForVerdict)", many, () => () => ReplyCanonicalForm.ForVerdict(id, BenchTopics.Order, "bench-fraud", true).Length > 0);
        Row(output, "canonical form of the order's result, as a new array (ReplyCanonicalForm.ForResult)", many, () => () => ReplyCanonicalForm.ForResult(id, BenchTopics.Order, "bench-fraud", true, payload, null, []).Length > 0);
        Row(output, "the result's payload re-serialized as sent, the old way (JSON bytes, parse, clone)", many, () => () =>
        {
            using var document = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(payload, Serialization.TrustChainJson.Options));
            return document.RootElement.Clone().ValueKind == JsonValueKind.Object;
        });
        Row(output, "the result's payload checked as sent (PayloadAsSent: written into a reused buffer, compared)", many, () => () => PayloadAsSent.Of(payload) is not null);
        Row(output, "base64 of a 64-byte signature", many, () => () => Convert.ToBase64String(ed25519Signature).Length > 0);
        Row(output, "base64 of a signature decoded into a stack buffer", many, () => () =>
        {
            Span<byte> value = stackalloc byte[64];
            return Convert.TryFromBase64String(base64, value, out var written) && written == 64;
        });
    }

    /// <summary>
    /// One row: µs per operation on one thread, then operations per second with a thread per core (each thread
    /// builds its operation with <paramref name="perThread"/>), and bytes allocated per operation.
    /// </summary>
    private static void Row(TextWriter output, string name, int iterations, Func<Func<bool>> perThread)
    {
        var operation = perThread();
        for (var i = 0; i < Math.Min(iterations, 500); i++)
        {
            Check(operation());
        }

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            Check(operation());
        }

        watch.Stop();
        var allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)iterations;
        var perOperation = watch.Elapsed.TotalMicroseconds / iterations;

        var threads = Environment.ProcessorCount;
        var each = iterations / threads;
        var operations = Enumerable.Range(0, threads).Select(_ => perThread()).ToArray();
        var parallel = Stopwatch.StartNew();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var own = operations[t];
            for (var i = 0; i < each; i++)
            {
                Check(own());
            }
        });
        parallel.Stop();
        var perSecond = each * threads / parallel.Elapsed.TotalSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {perOperation:N2} | {perSecond:N0} | {allocated:N0} |"));
    }

    private static void Check(bool succeeded)
    {
        if (!succeeded)
        {
            throw new InvalidOperationException("An operation the bench measures failed.");
        }
    }
}
