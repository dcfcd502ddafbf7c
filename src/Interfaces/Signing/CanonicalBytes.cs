using System.Buffers;

namespace TrustChain.Signing;

/// <summary>
/// A reply's canonical form in a buffer rented from the shared pool: signed or verified where it lies, then given
/// back. One per operation, never kept.
/// </summary>
internal ref struct CanonicalBytes
{
    private byte[]? _rented;
    private readonly int _length;

    public CanonicalBytes(int length)
    {
        _rented = ArrayPool<byte>.Shared.Rent(length);
        _length = length;
    }

    /// <summary>The whole buffer, to be written once.</summary>
    public readonly Span<byte> Buffer => _rented.AsSpan(0, _length);

    public readonly ReadOnlySpan<byte> Span => _rented.AsSpan(0, _length);

    public void Dispose()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
