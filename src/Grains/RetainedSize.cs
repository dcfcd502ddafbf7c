using System.Buffers;
using System.Text.Json;
using TrustChain.Serialization;

namespace TrustChain.Grains;

/// <summary>
/// An ended request's estimate of what it retains for reading, in bytes: the UTF-8 JSON of its outcome (results with
/// their payloads and errors, nested outcomes, the combined value, verdicts, rejections), as a reader gets it. The
/// task's payload is not in it: an ended request lets it go. The process holds each of these bytes a small number of
/// times (the grain's objects, its persisted copy); <see cref="TrustChainOptions.MaxRetainedBytes"/> bounds this figure.
/// </summary>
internal static class RetainedSize
{
    // One counter and writer per thread, reused: every ended request is measured, and a 4 KB scratch buffer and a
    // writer of its own were 4 KB of every order request's allocations.
    [ThreadStatic]
    private static (CountingBufferWriter Counter, Utf8JsonWriter Writer)? t_measure;

    public static long Of(RequestOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var (counter, writer) = t_measure ??= (new CountingBufferWriter(), new Utf8JsonWriter(Stream.Null));
        counter.Written = 0;
        writer.Reset(counter);
        JsonSerializer.Serialize(writer, outcome, TrustChainJson.Options); // flushes into the counter
        var written = counter.Written;
        writer.Reset(Stream.Null); // holds nothing of the outcome between calls
        if (counter.IsLarge)
        {
            t_measure = null; // a scratch buffer grown for one large outcome is not kept for the thread's life
        }

        return written;
    }

    /// <summary>Counts what is written into one reused scratch buffer, keeping none of it.</summary>
    private sealed class CountingBufferWriter : IBufferWriter<byte>
    {
        private byte[] _scratch = new byte[4096];

        public long Written { get; set; }

        public bool IsLarge => _scratch.Length > 64 * 1024;

        public void Advance(int count) => Written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => Scratch(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Scratch(sizeHint);

        private byte[] Scratch(int sizeHint)
        {
            if (sizeHint > _scratch.Length)
            {
                _scratch = new byte[sizeHint];
            }

            return _scratch;
        }
    }
}
