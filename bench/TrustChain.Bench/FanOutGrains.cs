using System.Text.Json;

namespace TrustChain.Bench;

/// <summary>
/// The baseline: the same fan-out written by hand on Orleans, with none of TrustChain. One requester grain per
/// request (as a request has its own grain) calls its worker grains directly (one activation per worker and request,
/// as TrustChain's) and awaits their answers; the workers that are "interested" answer a result, the others decline.
/// No state is persisted, nothing is broadcast, nobody signs, nothing is decided afterwards.
/// </summary>
public interface IFanOutRequesterGrain : IGrainWithStringKey
{
    /// <summary>Asks <paramref name="interested"/> + <paramref name="declining"/> worker grains; the number of results.</summary>
    Task<int> AskAsync(int interested, int declining, JsonElement payload);

    /// <summary>Asks one worker grain that waits in its handler until the silo's <c>WaitingGate</c> opens; 1 once it answered.</summary>
    Task<int> AskWaitingAsync(JsonElement payload);
}

public interface IFanOutWorkerGrain : IGrainWithStringKey
{
    /// <summary>A result when <paramref name="interested"/>, otherwise none: the worker declined.</summary>
    Task<JsonElement?> AskAsync(bool interested, JsonElement payload);
}

/// <summary>The in-flight baseline's worker: it waits, as the in-flight scenario's TrustChain worker does.</summary>
public interface IFanOutWaitingWorkerGrain : IGrainWithStringKey
{
    Task<JsonElement?> AskAsync(JsonElement payload);
}

public sealed class FanOutRequesterGrain : Grain, IFanOutRequesterGrain
{
    public async Task<int> AskWaitingAsync(JsonElement payload)
    {
        var result = await GrainFactory.GetGrain<IFanOutWaitingWorkerGrain>(this.GetPrimaryKeyString()).AskAsync(payload);
        DeactivateOnIdle();
        return result is null ? 0 : 1;
    }

    public async Task<int> AskAsync(int interested, int declining, JsonElement payload)
    {
        var key = this.GetPrimaryKeyString();
        var answers = new Task<JsonElement?>[interested + declining];
        for (var i = 0; i < answers.Length; i++)
        {
            answers[i] = GrainFactory.GetGrain<IFanOutWorkerGrain>($"{key}/{i}").AskAsync(i < interested, payload);
        }

        var results = await Task.WhenAll(answers);
        DeactivateOnIdle();
        return results.Count(r => r is not null);
    }
}

public sealed class FanOutWorkerGrain : Grain, IFanOutWorkerGrain
{
    public Task<JsonElement?> AskAsync(bool interested, JsonElement payload)
    {
        DeactivateOnIdle();
        return Task.FromResult<JsonElement?>(interested ? BenchWorkers.Done : null);
    }
}

public sealed class FanOutWaitingWorkerGrain : Grain, IFanOutWaitingWorkerGrain
{
    public async Task<JsonElement?> AskAsync(JsonElement payload)
    {
        var gate = WaitingGate.Of(ServiceProvider);
        await gate.EnterAsync();
        DeactivateOnIdle();
        return BenchWorkers.Done;
    }
}
