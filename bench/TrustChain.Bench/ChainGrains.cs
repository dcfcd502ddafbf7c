using System.Text.Json;

namespace TrustChain.Bench;

/// <summary>
/// The nested chain written by hand on Orleans, with none of TrustChain: the baseline of the cluster's nested rows.
/// Level L is a requester grain of its own calling one worker grain, which calls level L+1's requester until the
/// depth, then answers; as a nested TrustChain request is a request grain and its worker's activation per level.
/// Nothing persisted, broadcast, signed or decided.
/// </summary>
public interface IChainRequesterGrain : IGrainWithStringKey
{
    /// <summary>Level <paramref name="level"/> of a chain <paramref name="depth"/> deep; true once every level below answered.</summary>
    Task<bool> AskAsync(int level, int depth, JsonElement payload);
}

public interface IChainWorkerGrain : IGrainWithStringKey
{
    Task<bool> WorkAsync(int level, int depth, JsonElement payload);
}

public sealed class ChainRequesterGrain : Grain, IChainRequesterGrain
{
    public async Task<bool> AskAsync(int level, int depth, JsonElement payload)
    {
        var done = await GrainFactory.GetGrain<IChainWorkerGrain>(this.GetPrimaryKeyString()).WorkAsync(level, depth, payload);
        DeactivateOnIdle();
        return done;
    }
}

public sealed class ChainWorkerGrain : Grain, IChainWorkerGrain
{
    public async Task<bool> WorkAsync(int level, int depth, JsonElement payload)
    {
        var done = level >= depth
            || await GrainFactory.GetGrain<IChainRequesterGrain>($"{this.GetPrimaryKeyString()}/{level + 1}").AskAsync(level + 1, depth, payload);
        DeactivateOnIdle();
        return done;
    }
}
