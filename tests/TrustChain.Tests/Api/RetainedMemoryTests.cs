using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using TrustChain.Grains;
using TrustChain.Serialization;
using TrustChain.Tests.Cluster;
using TrustChain.Tests.Testing;

namespace TrustChain.Tests.Api;

/// <summary>
/// Bounded memory: ended requests are retained within <c>TrustChain:MaxRetainedBytes</c> as well as the count, the
/// oldest forgotten first (state cleared); neither an ended request nor its workers' parts keep the task's payload.
/// </summary>
public sealed class RetainedMemoryTests
{
    private const string Topic = "bulky.run";

    [Fact]
    public async Task Past_MaxRetainedBytes_the_oldest_ended_requests_are_forgotten_and_the_retained_total_stays_within_the_setting()
    {
        // Each request retains one result of about 20 KB: 72,000 bytes keep three of them, never four.
        const long MaxBytes = 72_000;
        var watch = new GrainCallWatch();
        await using var host = new ApiHost(
            new Dictionary<string, string?> { ["TrustChain:MaxRetainedBytes"] = MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            workers: [new BulkyWorker()],
            services: s => s.AddSingleton<IIncomingGrainCallFilter>(watch));
        using var client = await host.StartAsync();
        var index = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IRequestIndexGrain>(IRequestIndexGrain.Key);

        var ids = new List<string>();
        var sizes = new List<long>();
        for (var i = 0; i < 8; i++)
        {
            var (response, outcome) = await client.SendAsync(HttpMethod.Post, $"/requests/{Topic}", """{ "resultChars": 20000 }""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var id = outcome.GetProperty("requestId").GetString()!;
            ids.Add(id);
            await watch.Completed(nameof(IRequestIndexGrain.OnEndedAsync), id).Guarded();

            var retained = await index.RetainedAsync();
            Assert.True(retained.Bytes <= MaxBytes, $"{retained.Bytes} bytes retained after request {i + 1}, over {MaxBytes}");
            sizes.Add(retained.Bytes);
        }

        Assert.InRange(sizes[0], 20_000, 24_000); // one request's estimate: its 20,000-character result and a little
        var end = await index.RetainedAsync();
        Assert.Equal(3, end.Ended);
        Assert.Equal(3, end.Listed);

        foreach (var forgotten in ids.Take(5))
        {
            await watch.Completed(nameof(IRequestGrain.ForgetAsync), forgotten).Guarded();
            var (gone, problem) = await client.GetJsonAsync($"/requests/{forgotten}");
            ApiCalls.AssertProblem(HttpStatusCode.NotFound, gone, problem);
        }

        foreach (var kept in ids.Skip(5))
        {
            var (read, view) = await client.GetJsonAsync($"/requests/{kept}");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(20_000, view.GetProperty("outcome").GetProperty("results")[0].GetProperty("payload").GetString()!.Length);
        }

        var (_, list) = await client.GetJsonAsync("/requests");
        Assert.Equal(ids.Skip(5).Reverse(), list.EnumerateArray().Select(r => r.GetProperty("requestId").GetString()));
    }

    [Fact]
    public async Task An_ended_request_and_its_workers_parts_keep_no_copy_of_the_task_payload_and_a_part_with_nothing_to_undo_is_forgotten_once_decided()
    {
        var watch = new GrainCallWatch();
        await using var host = new ApiHost(workers: [new BulkyWorker(), new KeeperWorker()], services: s => s.AddSingleton<IIncomingGrainCallFilter>(watch));
        using var client = await host.StartAsync();
        var body = $$"""{ "resultChars": 10, "padding": "{{new string('p', 50_000)}}" }""";

        var (response, outcome) = await client.SendAsync(HttpMethod.Post, $"/requests/{Topic}", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = outcome.GetProperty("requestId").GetString()!;
        Assert.Equal("Commit", outcome.GetProperty("decision").GetProperty("decision").GetString());
        await watch.Completed(nameof(IWorkerGrain.ApplyDecisionAsync), GrainCallWatch.WorkerKey(BulkyWorker.WorkerName, id)).Guarded();
        await watch.Completed(nameof(IWorkerGrain.ApplyDecisionAsync), GrainCallWatch.WorkerKey(KeeperWorker.WorkerName, id)).Guarded();

        var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(TrustChainOptions.StorageName);
        var grains = host.Services.GetRequiredService<IGrainFactory>();

        var request = new GrainState<RequestGrainState>();
        await storage.ReadStateAsync("request", grains.GetGrain<IRequestGrain>(id).GetGrainId(), request);
        var record = request.State?.Record;
        Assert.NotNull(record?.Outcome);
        Assert.Equal(JsonValueKind.Null, record.Task.Payload.ValueKind);
        Assert.Equal("rrrrrrrrrr", record.Outcome.Results.Single(r => r.Worker == BulkyWorker.WorkerName).Payload?.GetString()); // results persist whole

        // The part that holds an effect is remembered for a decision sent again, without the payload.
        var keeper = new GrainState<WorkerPartState>();
        await storage.ReadStateAsync("part", GrainId.Create(WorkerCatalog.GrainTypeFor(KeeperWorker.WorkerName), id), keeper);
        var part = keeper.State;
        Assert.NotNull(part);
        Assert.Equal(WorkerPartStage.Settled, part.Stage);
        Assert.Single(part.Effects);
        Assert.Equal(JsonValueKind.Null, part.Task!.Payload.ValueKind);

        // The part with nothing to undo is gone once it acknowledged.
        var bulky = new GrainState<WorkerPartState>();
        await storage.ReadStateAsync("part", GrainId.Create(WorkerCatalog.GrainTypeFor(BulkyWorker.WorkerName), id), bulky);
        Assert.False(bulky.RecordExists);
    }

    [Fact]
    public void MaxRetainedBytes_defaults_to_256_MiB_and_a_negative_value_stops_the_start()
    {
        var validator = new TrustChainOptionsValidator();

        Assert.Equal(256L * 1024 * 1024, new TrustChainOptions().MaxRetainedBytes);
        Assert.True(validator.Validate(null, new TrustChainOptions { MaxRetainedBytes = 0 }).Succeeded);
        var refused = validator.Validate(null, new TrustChainOptions { MaxRetainedBytes = -1 });
        Assert.Contains("TrustChain:MaxRetainedBytes must not be negative.", refused.Failures!);
    }

    /// <summary>Answers a result of <c>resultChars</c> characters.</summary>
    private sealed class BulkyWorker : ITestWorker
    {
        public const string WorkerName = "bulky";

        public string Name => WorkerName;

        public IReadOnlyCollection<string> Topics => [Topic];

        public ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(true);

        public Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context) =>
            Task.FromResult<JsonElement?>(TrustChainJson.ToElement(new string('r', payload.GetProperty("resultChars").GetInt32())));
    }

    /// <summary>Records one tentative effect, so its part waits for the decision.</summary>
    private sealed class KeeperWorker : ITestWorker
    {
        public const string WorkerName = "bulky-keeper";

        public string Name => WorkerName;

        public IReadOnlyCollection<string> Topics => [Topic];

        public ValueTask<bool> IsInterestedAsync(JsonElement payload, IWorkerContext context) => ValueTask.FromResult(true);

        public Task<JsonElement?> HandleAsync(JsonElement payload, IWorkerContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            context.Tentative(new TentativeEffect("hold", Description: "held"));
            return Task.FromResult<JsonElement?>(TrustChainJson.ToElement("kept"));
        }
    }
}

[TrustChainWorker("bulky", "bulky.run")]
public sealed class BulkyGrain : ScriptedWorkerGrain;

[TrustChainWorker("bulky-keeper", "bulky.run")]
public sealed class BulkyKeeperGrain : ScriptedWorkerGrain;
