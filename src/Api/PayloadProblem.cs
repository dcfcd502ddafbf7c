namespace TrustChain.Api;

/// <summary>One field of a task payload that does not fit its topic's schema, as the 400's <c>errors</c> list it.</summary>
/// <param name="Path">Where, as a JSON path from the body's root (<c>$.items[0].qty</c>).</param>
/// <param name="Kind"><c>type</c> (wrong type), <c>range</c> (a number out of its type's range), <c>required</c> (missing),
/// <c>enum</c> (not one of the allowed values), or <c>invalid</c> (any other rule of the schema).</param>
/// <param name="Problem">What is wrong, for a person.</param>
public sealed record PayloadProblem(string Path, string Kind, string Problem);
