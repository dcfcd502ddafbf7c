namespace TrustChain.Engines.RabbitMQ;

/// <summary>One worker hosted by an announcing node.</summary>
public sealed record AnnouncedWorker(string Worker, IReadOnlyList<string> Topics);
