using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.Api;

/// <summary>Reads Server-Sent Events off a live response stream, line by line, as a browser's EventSource would.</summary>
public sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream);

    /// <summary>The next event, or null once the server has ended the stream.</summary>
    public async Task<ServerSentEvent?> NextAsync()
    {
        string? id = null, name = null;
        var data = new List<string>();
        while (await _reader.ReadLineAsync().Guarded() is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    return new ServerSentEvent(id, name, string.Join('\n', data));
                }

                continue; // a comment block or keep-alive ended
            }

            if (line.StartsWith(':'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data.Add(value); break;
            }
        }

        return null;
    }

    /// <summary>Every event up to the end of the stream.</summary>
    public async Task<IReadOnlyList<ServerSentEvent>> ToEndAsync()
    {
        var events = new List<ServerSentEvent>();
        while (await NextAsync() is { } next)
        {
            events.Add(next);
        }

        return events;
    }

    /// <summary>Events up to and including the first named <paramref name="name"/>.</summary>
    public async Task<IReadOnlyList<ServerSentEvent>> UntilAsync(string name)
    {
        var events = new List<ServerSentEvent>();
        while (await NextAsync() is { } next)
        {
            events.Add(next);
            if (next.Event == name)
            {
                return events;
            }
        }

        throw new InvalidOperationException($"The stream ended before a '{name}' event.");
    }

    public void Dispose() => _reader.Dispose();
}
