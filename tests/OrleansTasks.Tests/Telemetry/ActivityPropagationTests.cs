using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansTasks.Hosting;

namespace OrleansTasks.Tests.Telemetry;

/// <summary>The engine's hosting extensions turn Orleans' activity propagation on, once, whoever else asks for it.</summary>
public sealed class ActivityPropagationTests
{
    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 1)]
    [InlineData(true, 2)]
    public void AddOrleansTasks_WithOrWithoutTheAppsOwnCall_PropagationFiltersAddedOnce(bool appAddsPropagation, int calls)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo =>
        {
            if (appAddsPropagation)
            {
                silo.AddActivityPropagation();
            }

            for (var i = 0; i < calls; i++)
            {
                silo.AddOrleansTasks();
            }
        });

        Assert.Equal(1, Count<IIncomingGrainCallFilter>(builder.Services, "ActivityPropagationIncomingGrainCallFilter"));
        Assert.Equal(1, Count<IOutgoingGrainCallFilter>(builder.Services, "ActivityPropagationOutgoingGrainCallFilter"));
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 1)]
    [InlineData(true, 2)]
    public void AddOrleansTasksClient_WithOrWithoutTheAppsOwnCall_PropagationFiltersAddedOnce(bool appAddsPropagation, int calls)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            if (appAddsPropagation)
            {
                client.AddActivityPropagation();
            }

            for (var i = 0; i < calls; i++)
            {
                client.AddOrleansTasksClient();
            }
        });

        Assert.Equal(1, Count<IIncomingGrainCallFilter>(builder.Services, "ActivityPropagationIncomingGrainCallFilter"));
        Assert.Equal(1, Count<IOutgoingGrainCallFilter>(builder.Services, "ActivityPropagationOutgoingGrainCallFilter"));
    }

    private static int Count<TFilter>(IServiceCollection services, string implementationName) =>
        services.Count(d => !d.IsKeyedService && d.ServiceType == typeof(TFilter) && d.ImplementationType?.Name == implementationName);
}
