using Orleans;
using Orleans.Runtime;

namespace TrustChain.Grains;

/// <summary>
/// References to TrustChain's grains without Orleans' lookup of the interface's type on every call:
/// <c>GetGrain&lt;T&gt;(key)</c> reads the interface's attributes by reflection each time (5 % of an API node's CPU
/// on the order scenario, measured with dotnet-trace: docs/benchmarks.md). The types come from the first reference
/// made the usual way; they are the same for every silo and client of a process, since Orleans derives them from the
/// interface and the class themselves.
/// </summary>
internal static class GrainReferences
{
    /// <summary>The grain of <typeparamref name="T"/> with <paramref name="key"/>, as <c>GetGrain&lt;T&gt;(key)</c> gives it.</summary>
    public static T Grain<T>(this IGrainFactory grains, string key)
        where T : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (Types<T>.Resolved is { } types)
        {
            return (T)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
        }

        var reference = grains.GetGrain<T>(key);
        var resolved = (GrainReference)(object)reference;
        Types<T>.Resolved = new ResolvedTypes(resolved.GrainId.Type, resolved.InterfaceType);
        return reference;
    }

    /// <summary>The grain <paramref name="id"/> as a <typeparamref name="T"/>, as <c>GetGrain&lt;T&gt;(id)</c> gives it.</summary>
    public static T Grain<T>(this IGrainFactory grains, GrainId id)
        where T : IAddressable
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (InterfaceOf<T>.Resolved is { } resolved)
        {
            return (T)grains.GetGrain(id, resolved.Interface);
        }

        var reference = grains.GetGrain<T>(id);
        InterfaceOf<T>.Resolved = new ResolvedInterface(((GrainReference)(object)reference).InterfaceType);
        return reference;
    }

    /// <summary>A class, so that a reader sees both types or neither, never half of a write.</summary>
    private sealed record ResolvedTypes(GrainType Grain, GrainInterfaceType Interface);

    /// <summary>The interface type alone, for references made from a grain id (which carries the grain type).</summary>
    private sealed record ResolvedInterface(GrainInterfaceType Interface);

    private static class Types<T>
    {
        public static volatile ResolvedTypes? Resolved;
    }

    private static class InterfaceOf<T>
    {
        public static volatile ResolvedInterface? Resolved;
    }
}
