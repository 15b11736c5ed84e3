using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Queues;
using OrleansTasks.Runs;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Runs;

/// <summary>
/// The engine's messages are marked <c>[Immutable]</c>: Orleans then neither deep-copies them on a call within a silo
/// nor builds copiers (by reflection) for every grain reference. Caller and callee share the object, which is safe only
/// while nothing can change it once made; these tests hold that line.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WireTypeTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>The grains every run talks to on its way: their messages should cost no copy.</summary>
    private static readonly Type[] s_hotGrains = [typeof(IRunGrain), typeof(IQueueGrain), typeof(IEnvironmentGrain)];

    [Fact]
    public void ImmutableTypes_HaveNoSettersAndNoMutableCollections()
    {
        var immutable = ImmutableTypes();
        Assert.Contains(typeof(TaskRun), immutable);
        Assert.Contains(typeof(TriggerRequest), immutable);
        Assert.Contains(typeof(AttemptOutcome), immutable);

        var problems = new List<string>();
        foreach (var type in immutable)
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.SetMethod is { IsPublic: true } setter && !IsInitOnly(setter))
                {
                    problems.Add($"{type.Name}.{property.Name} has a public setter");
                }

                if (MutableShape(property.PropertyType) is { } shape)
                {
                    problems.Add($"{type.Name}.{property.Name} is {shape}");
                }

                foreach (var part in Parts(property.PropertyType).Where(t => IsEngineClass(t) && !immutable.Contains(t)))
                {
                    problems.Add($"{type.Name}.{property.Name} holds {part.Name}, which is not [Immutable]");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void HotGrainMessages_AreAllImmutable()
    {
        var immutable = ImmutableTypes();
        var copied = s_hotGrains
            .SelectMany(grain => grain.GetMethods().Select(method => (grain, method)))
            .SelectMany(m => m.method.GetParameters().Select(p => (m.grain, m.method, Type: p.ParameterType))
                .Append((m.grain, m.method, Type: m.method.ReturnType)))
            .SelectMany(m => Parts(m.Type).Where(t => IsEngineClass(t) && !immutable.Contains(t)).Select(t => $"{m.grain.Name}.{m.method.Name}: {t.Name}"))
            .Distinct()
            .ToList();

        Assert.True(copied.Count == 0, "Not [Immutable], so copied on every call: " + string.Join(", ", copied));
    }

    [Fact]
    public async Task ARunHandedOutWithinTheSilo_IsASnapshot_LaterChangesDoNotShowInIt()
    {
        // Within a silo nothing is copied any more: the TaskRun a grain returns is the caller's own object.
        var silo = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IGrainFactory>();
        var handle = await fixture.Tasks.TriggerAsync("echo", """{"value":5}""", new TriggerOptions { Tags = ["first"] });
        await fixture.Tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the echo run");
        var run = silo.GetGrain<IRunGrain>(handle.Id);

        var before = await run.GetAsync();
        await fixture.Tasks.Runs.AddTagsAsync(handle.Id, ["second"]);
        var after = await run.GetAsync();

        Assert.Equal(["first"], before.Tags);
        Assert.Equal(["first", "second"], after.Tags);
        Assert.NotSame(before, after);
    }

    private static HashSet<Type> ImmutableTypes() =>
        [.. typeof(TaskRun).Assembly.GetTypes().Where(t => t.GetCustomAttribute<ImmutableAttribute>() is not null)];

    private static bool IsInitOnly(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));

    /// <summary>A property type a receiver could change in place: an array, or a collection type that is not read-only.</summary>
    private static string? MutableShape(Type type)
    {
        if (type.IsArray)
        {
            return "an array";
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(List<>) || definition == typeof(Dictionary<,>) || definition == typeof(HashSet<>)
                || definition == typeof(IList<>) || definition == typeof(ICollection<>) || definition == typeof(IDictionary<,>)))
        {
            return $"a mutable {definition.Name}";
        }

        return null;
    }

    /// <summary>The type and its generic arguments, unwrapping Task&lt;T&gt;, nullables and read-only collections.</summary>
    private static IEnumerable<Type> Parts(Type type)
    {
        yield return type;
        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments().SelectMany(Parts))
            {
                yield return argument;
            }
        }
    }

    /// <summary>A class (so copied unless immutable) from the engine's own assemblies.</summary>
    private static bool IsEngineClass(Type type) =>
        type.IsClass && type != typeof(string) && type.Assembly.GetName().Name!.StartsWith("OrleansTasks", StringComparison.Ordinal);
}
