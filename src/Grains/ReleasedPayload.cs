using System.Text.Json;
using TrustChain.Messages;

namespace TrustChain.Grains;

/// <summary>
/// What stands in for a task's payload once nobody needs it (the request ended, or the worker's part replied): JSON
/// <c>null</c>, so that a 1 MB body is not kept for the retention or the tentative TTL by grains that only need the
/// task's ids, topic and trace.
/// </summary>
internal static class ReleasedPayload
{
    private static readonly JsonElement Null = JsonDocument.Parse("null").RootElement.Clone();

    /// <summary>The task without its payload.</summary>
    public static TaskMessage WithoutPayload(this TaskMessage task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Payload.ValueKind == JsonValueKind.Null ? task : task with { Payload = Null };
    }
}
