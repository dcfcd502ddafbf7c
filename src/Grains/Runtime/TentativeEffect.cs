namespace TrustChain.Runtime;

/// <summary>One side effect a worker made tentatively: what makes it real, what undoes it, and what it was.</summary>
internal sealed record TentativeEffect(Func<ValueTask>? OnCommit, Func<ValueTask> OnAbort, string? Description);
