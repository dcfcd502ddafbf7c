using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace TrustChain.Bench;

/// <summary>
/// A bare Redis connection speaking RESP over a socket, for what the bench asks Redis about itself (<c>INFO</c>,
/// <c>COMMAND INFO</c>, <c>MONITOR</c>): StackExchange.Redis has no MONITOR, and the bench needs no more than this.
/// No password or TLS: the bench's Redis is a private one on loopback.
/// </summary>
internal sealed class RespConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RespConnection(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>Connects to the first endpoint of <paramref name="address"/> (<c>host:port</c>, or a StackExchange.Redis connection string).</summary>
    public static async Task<RespConnection> ConnectAsync(string address, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        var endpoint = address.Split(',', 2)[0].Trim();
        var colon = endpoint.LastIndexOf(':');
        var host = colon > 0 ? endpoint[..colon] : endpoint;
        var port = colon > 0 ? int.Parse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture) : 6379;
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(host, port, cancellationToken);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }

        return new RespConnection(tcp);
    }

    /// <summary>Sends one command and reads its reply: a string, a long, a list of replies, or null; an error reply throws.</summary>
    public async Task<object?> CallAsync(params string[] command)
    {
        await SendAsync(command);
        return await ReadReplyAsync();
    }

    public async Task SendAsync(params string[] command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"*{command.Length}\r\n");
        foreach (var part in command)
        {
            text.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>One line without its CRLF (MONITOR sends one simple string per command); null once the connection closed.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == '\r')
                {
                    length--;
                }

                var line = Encoding.UTF8.GetString(_buffer, _start, length);
                _start = newline + 1;
                return line;
            }

            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }
    }

    private async Task<object?> ReadReplyAsync()
    {
        var line = await ReadLineAsync() ?? throw new IOException("Redis closed the connection.");
        var rest = line.Length > 1 ? line[1..] : string.Empty;
        switch (line[0])
        {
            case '+':
                return rest;
            case '-':
                throw new InvalidOperationException($"Redis answered an error: {rest}");
            case ':':
                return long.Parse(rest, CultureInfo.InvariantCulture);
            case '$':
                var length = int.Parse(rest, CultureInfo.InvariantCulture);
                return length < 0 ? null : await ReadBulkAsync(length);
            case '*':
                var count = int.Parse(rest, CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }

                var items = new object?[count];
                for (var i = 0; i < count; i++)
                {
                    items[i] = await ReadReplyAsync();
                }

                return items;
            default:
                throw new InvalidOperationException($"Not a RESP reply: {line}");
        }
    }

    private async Task<string> ReadBulkAsync(int length)
    {
        var bytes = new byte[length];
        var copied = 0;
        while (copied < length)
        {
            if (_start == _end && !await FillAsync(CancellationToken.None))
            {
                throw new IOException("Redis closed the connection in the middle of a reply.");
            }

            var take = Math.Min(length - copied, _end - _start);
            Array.Copy(_buffer, _start, bytes, copied, take);
            _start += take;
            copied += take;
        }

        // Its CRLF.
        while (_end - _start < 2)
        {
            if (!await FillAsync(CancellationToken.None))
            {
                throw new IOException("Redis closed the connection in the middle of a reply.");
            }
        }

        _start += 2;
        return Encoding.UTF8.GetString(bytes);
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            // A long line (MONITOR shows a stored state escaped byte by byte): room for it.
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read > 0;
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
