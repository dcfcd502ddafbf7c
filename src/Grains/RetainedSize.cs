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
    public static long Of(RequestOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var counter = new CountingBufferWriter();
        using (var writer = new Utf8JsonWriter(counter))
        {
            JsonSerializer.Serialize(writer, outcome, TrustChainJson.Options);
        }

        return counter.Written;
    }

    /// <summary>Counts what is written into one reused scratch buffer, keeping none of it.</summary>
    private sealed class CountingBufferWriter : IBufferWriter<byte>
    {
        private byte[] _scratch = new byte[4096];

        public long Written { get; private set; }

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
