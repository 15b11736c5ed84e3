using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace OrleansTasks.Realtime;

/// <summary>
/// Where the realtime streams keep who subscribes to what (Orleans' pub-sub state, looked up under the stream
/// provider's name): in PostgreSQL when the silo keeps everything there (<see cref="DurableName"/>, registered by
/// <c>UseOrleansTasksPostgres</c>), so subscriptions outlive the silo that held them; in memory otherwise. Chosen when
/// first used, so the order in which the silo's builder methods were called does not matter.
/// </summary>
internal sealed class RealtimeSubscriptionStorage(IServiceProvider services) : IGrainStorage
{
    public const string DurableName = RealtimeTopic.ProviderName + ".durable";
    public const string MemoryName = RealtimeTopic.ProviderName + ".memory";

    private IGrainStorage Inner => field ??=
        services.GetKeyedService<IGrainStorage>(DurableName) ?? services.GetRequiredKeyedService<IGrainStorage>(MemoryName);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Inner.WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Inner.ClearStateAsync(stateName, grainId, grainState);
}
