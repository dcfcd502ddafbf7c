using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace TrustChain.Tests.Cluster;

/// <summary>
/// TrustChain's grain storage as a cluster has it (Redis): outside every silo, so what a grain persisted outlives the
/// silo it ran on. Memory grain storage keeps each state in a storage grain on some silo, and loses it with that silo.
/// Every silo it is added to reads and writes the same store, through its own serializer (states are copied, never
/// shared).
/// </summary>
public sealed class SharedGrainStorage
{
    private readonly ConcurrentDictionary<string, (byte[] Data, string ETag)> _states = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _clearsRefused = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _clears = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>Makes it the silo's <c>trustchain</c> storage (the test cluster's <c>services</c> argument).</summary>
    public void AddTo(IServiceCollection services) =>
        services.AddKeyedSingleton<IGrainStorage>(TrustChainOptions.StorageName, (sp, _) => new SiloView(this, sp.GetRequiredService<Serializer>()));

    /// <summary>Whether a state of that name is stored for the grain.</summary>
    public bool Holds(string stateName, GrainId grainId) => _states.ContainsKey(Key(stateName, grainId));

    /// <summary>The next <paramref name="count"/> writes of states of that name fail, as they do while storage is unreachable.</summary>
    public void FailWrites(string stateName, int count) => _failing[stateName] = count;

    /// <summary>How many of the failures asked for are still to come.</summary>
    public int FailuresLeft(string stateName) => _failing.GetValueOrDefault(stateName);

    /// <summary>The next <paramref name="count"/> clears of states of that name fail, as they do while storage is unreachable.</summary>
    public void FailClears(string stateName, int count) => _failing[ClearKey(stateName)] = count;

    /// <summary>Once a clear of the grain's state was refused as <see cref="FailClears"/> asked.</summary>
    public Task ClearRefused(string stateName, GrainId grainId) => _clearsRefused.GetOrAdd(Key(stateName, grainId), _ => Safety.Signal()).Task;

    /// <summary>Once the grain's state was cleared.</summary>
    public Task Cleared(string stateName, GrainId grainId) => _clears.GetOrAdd(Key(stateName, grainId), _ => Safety.Signal()).Task;

    /// <summary>Drops the grain's state, as if it had never been written (e.g. by a build that did not have it).</summary>
    public void Lose(string stateName, GrainId grainId) => _states.TryRemove(Key(stateName, grainId), out _);

    private static string ClearKey(string stateName) => $"clear/{stateName}";

    private bool Fails(string stateName)
    {
        while (_failing.TryGetValue(stateName, out var left) && left > 0)
        {
            if (_failing.TryUpdate(stateName, left - 1, left))
            {
                return true;
            }
        }

        return false;
    }

    private static string Key(string stateName, GrainId grainId) => $"{stateName}/{grainId}";

    private sealed class SiloView(SharedGrainStorage store, Serializer serializer) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            ArgumentNullException.ThrowIfNull(grainState);
            if (store._states.TryGetValue(Key(stateName, grainId), out var stored))
            {
                grainState.State = serializer.Deserialize<T>(stored.Data);
                grainState.ETag = stored.ETag;
                grainState.RecordExists = true;
            }

            return Task.CompletedTask;
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            ArgumentNullException.ThrowIfNull(grainState);
            if (store.Fails(stateName))
            {
                throw new TimeoutException($"Storage did not answer the write of {stateName} for {grainId} (as the test asked).");
            }

            var etag = Interlocked.Increment(ref store._version).ToString(CultureInfo.InvariantCulture);
            store._states[Key(stateName, grainId)] = (serializer.SerializeToArray(grainState.State), etag);
            grainState.ETag = etag;
            grainState.RecordExists = true;
            return Task.CompletedTask;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            ArgumentNullException.ThrowIfNull(grainState);
            var key = Key(stateName, grainId);
            if (store.Fails(ClearKey(stateName)))
            {
                store._clearsRefused.GetOrAdd(key, _ => Safety.Signal()).TrySetResult();
                throw new TimeoutException($"Storage did not answer the clear of {stateName} for {grainId} (as the test asked).");
            }

            store._states.TryRemove(key, out _);
            store._clears.GetOrAdd(key, _ => Safety.Signal()).TrySetResult();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }
    }
}
