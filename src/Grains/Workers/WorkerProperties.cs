namespace TrustChain.Workers;

/// <summary>The grain properties a worker grain class announces in its silo's manifest.</summary>
internal static class WorkerProperties
{
    /// <summary>The worker's name: the unit of interest, of reply and of signature.</summary>
    public const string Name = "trustchain.worker";

    /// <summary>The topics it subscribes to, comma-separated (a topic has no comma).</summary>
    public const string Topics = "trustchain.topics";

    /// <summary>The public key its replies from this silo are signed with, when the silo signs.</summary>
    public const string PublicKey = "trustchain.public-key";

    /// <summary>
    /// The JSON Schema of its payload (<see cref="PayloadSchemas"/>), for a typed worker: how an API that is only a
    /// client of the cluster checks a body at the door.
    /// </summary>
    public const string PayloadSchema = "trustchain.payload-schema";

    /// <summary>Worker grain types are named after the worker: <c>trustchain.worker.{name}</c>.</summary>
    public const string GrainTypePrefix = "trustchain.worker.";
}
