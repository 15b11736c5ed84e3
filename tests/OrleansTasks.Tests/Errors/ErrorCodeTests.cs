using System.Reflection;
using System.Runtime.CompilerServices;

namespace OrleansTasks.Tests.Errors;

/// <summary>Every error a user can meet derives from <see cref="OrleansTasksException"/> and has its own stable code.</summary>
public sealed class ErrorCodeTests
{
    [Fact]
    public void EveryOrleansTasksException_HasItsOwnCode_FromTheListOfCodes()
    {
        var assemblies = new[] { typeof(OrleansTasksException).Assembly, typeof(TaskContext).Assembly, typeof(ITaskClient).Assembly };
        var types = assemblies.SelectMany(a => a.GetTypes()).Where(t => t.IsSubclassOf(typeof(OrleansTasksException)) && !t.IsAbstract).ToList();
        var codes = types.ToDictionary(t => t, t => ((OrleansTasksException)RuntimeHelpers.GetUninitializedObject(t)).Code);
        var listed = typeof(OrleansTasksErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToHashSet();

        Assert.True(types.Count >= 17, $"found only {types.Count} error types");
        Assert.All(codes, pair => Assert.Contains(pair.Value, listed));
        Assert.Equal(codes.Count, codes.Values.Distinct().Count());
        Assert.All(listed, code => Assert.Matches("^[a-z_]+$", code));
    }
}
