using System.Text.Json.Serialization;

namespace TrustChain.Messages;

/// <summary>
/// Everything an engine moves between nodes. Engines carry these records as they are (in memory) or as JSON
/// with the <c>kind</c> discriminator (brokers); they never look inside beyond <see cref="RequestId"/>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(TaskMessage), "task")]
[JsonDerivedType(typeof(VerdictMessage), "verdict")]
[JsonDerivedType(typeof(VerdictReply), "verdict-reply")]
[JsonDerivedType(typeof(ResultMessage), "result")]
[JsonDerivedType(typeof(LeaseRenewal), "lease")]
[JsonDerivedType(typeof(CancelRequest), "cancel")]
[JsonDerivedType(typeof(ChildDispatched), "child-dispatched")]
[JsonDerivedType(typeof(DecisionMessage), "decision")]
[JsonDerivedType(typeof(DecisionAck), "decision-ack")]
[JsonDerivedType(typeof(RequestQuery), "query")]
[JsonDerivedType(typeof(RequestQueryReply), "query-reply")]
public abstract record TrustChainMessage(RequestId RequestId);
