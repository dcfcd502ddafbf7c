using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using TrustChain.Messages;
using TrustChain.Serialization;

namespace TrustChain.Engines.RabbitMQ;

/// <summary>
/// What goes on the wire: UTF-8 JSON written with <see cref="TrustChainJson.Options"/>, the <c>kind</c>
/// discriminator first. Reading is strict, because a message that deserializes into half a record (a task without
/// a topic, a result without a worker) would do more harm inside the grain than in the dead-letter queue.
/// </summary>
public static class RabbitMqWire
{
    public const string ContentType = "application/json";

    private static readonly JsonSerializerOptions Strict = CreateStrict();

    // Read off the contract's own declaration, so that a new message kind needs no second list here.
    private static readonly Dictionary<Type, string> Kinds = typeof(TrustChainMessage)
        .GetCustomAttributes(typeof(JsonDerivedTypeAttribute), inherit: false)
        .Cast<JsonDerivedTypeAttribute>()
        .ToDictionary(a => a.DerivedType, a => (string)a.TypeDiscriminator!);

    public static byte[] Encode(TrustChainMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, TrustChainJson.Options);

    public static byte[] Encode(MembershipAnnouncement announcement) => JsonSerializer.SerializeToUtf8Bytes(announcement, TrustChainJson.Options);

    /// <summary>The <c>kind</c> a message is written with, also set as the AMQP <c>type</c> property for operators.</summary>
    public static string KindOf(TrustChainMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Kinds.TryGetValue(message.GetType(), out var kind) ? kind : message.GetType().Name;
    }

    /// <summary>Reads a message, or says in a few words why it cannot be read.</summary>
    public static bool TryDecodeMessage(ReadOnlySpan<byte> body, [NotNullWhen(true)] out TrustChainMessage? message, [NotNullWhen(false)] out string? reason)
    {
        message = null;
        try
        {
            message = JsonSerializer.Deserialize<TrustChainMessage>(body, Strict);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // JsonException for broken JSON or fields; NotSupportedException for a missing or unknown "kind".
            reason = $"unreadable envelope: {ex.GetType().Name}: {ex.Message}";
            return false;
        }

        reason = message is null ? "unreadable envelope: null" : Problem(message);
        return reason is null;
    }

    public static bool TryDecodeAnnouncement(ReadOnlySpan<byte> body, [NotNullWhen(true)] out MembershipAnnouncement? announcement, [NotNullWhen(false)] out string? reason)
    {
        announcement = null;
        try
        {
            announcement = JsonSerializer.Deserialize<MembershipAnnouncement>(body, Strict);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            reason = $"unreadable announcement: {ex.GetType().Name}: {ex.Message}";
            return false;
        }

        reason = announcement is null ? "unreadable announcement: null" : Problem(announcement);
        return reason is null;
    }

    private static string? Problem(TrustChainMessage message)
    {
        if (!RequestId.TryParse(message.RequestId.Value, out _))
        {
            return "envelope without a valid request id";
        }

        // Nulls are left out when writing (TrustChainJson), so a missing field reads as null or default: checked here.
        return message switch
        {
            TaskMessage t when !Topics.IsValid(t.Topic) => $"task with an invalid topic '{t.Topic}'",
            TaskMessage t when !NodeIds.IsValid(t.ReplyTo) => $"task with an invalid reply address '{t.ReplyTo}'",
            TaskMessage t when t.LeaseDuration <= TimeSpan.Zero => "task with a lease duration that is not positive",
            TaskMessage t when t.Payload.ValueKind == JsonValueKind.Undefined => "task without a payload",
            VerdictMessage v when !Topics.IsValid(v.Topic) => $"verdict with an invalid topic '{v.Topic}'",
            VerdictMessage v => Sender(v.Worker, v.Instance),
            ResultMessage r when !Topics.IsValid(r.Topic) => $"result with an invalid topic '{r.Topic}'",
            ResultMessage r when r.Children is null => "result without its list of nested outcomes",
            ResultMessage r => Sender(r.Worker, r.Instance),
            LeaseRenewal l => Sender(l.Worker, l.Instance),
            VerdictReply r => Sender(r.Worker, r.Instance),
            DecisionMessage d when d.Reason is null => "decision without a reason",
            DecisionAck a => Sender(a.Worker, a.Instance),
            RequestQuery q when !NodeIds.IsValid(q.ReplyTo) => $"query with an invalid reply address '{q.ReplyTo}'",
            RequestQuery q when q.After < 0 || q.Wait < TimeSpan.Zero => "query with a negative sequence or wait",
            _ => null,
        };

        static string? Sender(string worker, string instance) =>
            !Topics.IsValid(worker) ? $"envelope with an invalid worker name '{worker}'"
            : !NodeIds.IsValid(instance) ? $"envelope with an invalid instance '{instance}'"
            : null;
    }

    private static string? Problem(MembershipAnnouncement announcement) =>
        !NodeIds.IsValid(announcement.Node) ? $"announcement from an invalid node id '{announcement.Node}'"
        : announcement.Interval <= TimeSpan.Zero ? "announcement with an interval that is not positive"
        : announcement.Workers.FirstOrDefault(w => !Topics.IsValid(w.Worker) || w.Topics.Any(t => !Topics.IsValid(t))) is { } bad
            ? $"announcement with an invalid worker '{bad.Worker}' or topic"
            : null;

    private static JsonSerializerOptions CreateStrict()
    {
        var options = new JsonSerializerOptions(TrustChainJson.Options)
        {
            // An explicit null where the record says non-null is refused; absent fields are checked by Problem.
            RespectNullableAnnotations = true,
            AllowOutOfOrderMetadataProperties = true,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
