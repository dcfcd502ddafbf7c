using System.Text.Json;

namespace TrustChain.Tests.Api;

/// <summary>One event read off a <c>text/event-stream</c>.</summary>
public sealed record ServerSentEvent(string? Id, string? Event, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement.Clone();
}
