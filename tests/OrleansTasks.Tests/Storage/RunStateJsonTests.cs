using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using OrleansTasks.Journal;
using OrleansTasks.Runs;
using OrleansTasks.Storage;

namespace OrleansTasks.Tests.Storage;

/// <summary>
/// The run's state document leaves nulls out. That is only lossless while every nullable member of the state reads
/// back as null when its property is missing, so these tests hold that line, and check documents written before
/// (with every null spelled out, and the current attempt repeated) still read.
/// </summary>
public sealed class RunStateJsonTests
{
    [Fact]
    public void EveryNullableMemberOfTheState_DefaultsToNull_SoLeavingNullsOutLosesNothing()
    {
        var checkedMembers = new List<string>();
        var problems = new List<string>();
        var nullability = new NullabilityInfoContext();
        foreach (var type in StateTypes())
        {
            var instance = CreateDefault(type);
            foreach (var property in SerializedProperties(type))
            {
                var nullable = Nullable.GetUnderlyingType(property.PropertyType) is not null
                    || (!property.PropertyType.IsValueType && nullability.Create(property).ReadState == NullabilityState.Nullable);
                if (!nullable)
                {
                    continue;
                }

                checkedMembers.Add($"{type.Name}.{property.Name}");
                if (property.GetValue(instance) is { } value)
                {
                    problems.Add($"{type.Name}.{property.Name} defaults to {value}, not null: a null there would read back as {value}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.Contains("RunState.Error", checkedMembers);
        Assert.Contains("RunAttempt.Hooks", checkedMembers);
        Assert.Contains("JournalEntry.ChildResults", checkedMembers);
        Assert.Contains("TaskRunError.StackTrace", checkedMembers);
    }

    [Fact]
    public void AStateWithNestedValues_RoundTrips_AndItsDocumentHasNoNullsAndNoCurrentAttempt()
    {
        var state = NestedState();

        var row = RunRow.From(state);
        var back = row.ToState();

        Assert.Equal(row.StateJson, RunRow.From(back).StateJson);
        Assert.Equal(state.Attempts[^1].Hooks!, back.Attempts[^1].Hooks!);
        Assert.Equal(state.Attempts[0] with { Hooks = null }, back.Attempts[0]);
        Assert.Equal(state.Error, back.Error);
        Assert.Null(back.Journal[0].Error);
        Assert.Null(back.Journal[0].ChildResults![0]);
        Assert.Equal(state.Journal[0].ChildResults![1], back.Journal[0].ChildResults![1]);
        Assert.Equal(state.Retry, back.Retry);
        Assert.Null(back.ParentRunId);
        Assert.Null(back.StartedAt);

        var document = JsonNode.Parse(row.StateJson)!.AsObject();
        Assert.False(document.ContainsKey("currentAttempt"));
        Assert.False(document.ContainsKey("parentRunId"));
        Assert.DoesNotContain(Nulls(document), path => !path.EndsWith("childResults[0]", StringComparison.Ordinal));
    }

    [Fact]
    public void ADocumentWrittenBefore_WithEveryNullAndTheCurrentAttempt_StillReads()
    {
        var state = NestedState();
        var before = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        before.Converters.Add(new JsonStringEnumConverter());
        var oldDocument = JsonNode.Parse(JsonSerializer.Serialize(state, before))!.AsObject();
        oldDocument["currentAttempt"] = JsonNode.Parse(JsonSerializer.Serialize(state.Attempts[^1], before));
        Assert.True(oldDocument.ContainsKey("parentRunId"));

        var row = RunRow.From(state) with { StateJson = oldDocument.ToJsonString() };
        var read = row.ToState();

        Assert.Equal(RunRow.From(state).StateJson, RunRow.From(read).StateJson);
    }

    [Fact]
    public void TheGeneratedSerializer_WritesTheSameDocumentAsTheReflectionOneDid_AndReadsIt()
    {
        var state = NestedState();
        var reflection = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
        reflection.Converters.Add(new JsonStringEnumConverter());
        var before = JsonSerializer.Serialize(state, reflection);

        var row = RunRow.From(state);

        Assert.Equal(before, row.StateJson);
        Assert.Equal(before, JsonSerializer.Serialize((row with { StateJson = before }).ToState(), reflection));
    }

    private static RunState NestedState()
    {
        var now = new DateTimeOffset(2026, 12, 4, 1, 2, 3, TimeSpan.Zero);
        return new RunState
        {
            Id = "run_json",
            TaskId = "task",
            Queue = "task",
            Status = RunStatus.Waiting,
            CreatedAt = now,
            UpdatedAt = now,
            Error = new TaskRunError("System.Exception", "boom"),
            Attempts =
            [
                new RunAttempt(1, AttemptStatus.Failed, now, now.AddSeconds(1), new TaskRunError("X", "first", "at A"), "silo-a"),
                new RunAttempt(2, AttemptStatus.Executing, now.AddSeconds(2), null, null, "silo-b", now.AddSeconds(2),
                    [new HookCall("OnStartAsync", now.AddSeconds(2), TimeSpan.FromMilliseconds(3), Failed: false)]),
            ],
            Journal =
            [
                new JournalEntry
                {
                    Key = "k1",
                    Name = "child",
                    Kind = JournalOpKind.TriggerAndWait,
                    CreatedAt = now,
                    ChildRunIds = ["run_c0", "run_c1"],
                    ChildTaskIds = ["t", "t"],
                    ChildResults = [null, new ChildRunResult("run_c1", "t", RunStatus.Completed, "{\"a\":1}", null)],
                },
            ],
            History = [new AttemptJournal(1, [new JournalRecord("k0", "Step", "s", true, now, now, [])])],
            MetadataApplied = { ["run_json:1"] = 4 },
            Waiters = [new RunWaiter("run_p", "k9", 0)],
            Retry = new RetryOptions { MaxAttempts = 5, Randomize = false },
        };
    }

    private static IEnumerable<string> Nulls(JsonNode? node, string path = "$")
    {
        switch (node)
        {
            case null:
                yield return path;
                break;
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    foreach (var inner in Nulls(value, $"{path}.{name}"))
                    {
                        yield return inner;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var inner in Nulls(array[i], $"{path}[{i}]"))
                    {
                        yield return inner;
                    }
                }

                break;
        }
    }

    /// <summary>The engine's types the state document holds, found from <see cref="RunState"/>'s serialized properties.</summary>
    private static List<Type> StateTypes()
    {
        var found = new List<Type>();
        var pending = new Queue<Type>([typeof(RunState)]);
        while (pending.TryDequeue(out var type))
        {
            if (found.Contains(type))
            {
                continue;
            }

            found.Add(type);
            foreach (var part in SerializedProperties(type).SelectMany(p => Parts(p.PropertyType)))
            {
                pending.Enqueue(part);
            }
        }

        return found;
    }

    private static IEnumerable<Type> Parts(Type type)
    {
        if (type.IsArray)
        {
            return Parts(type.GetElementType()!);
        }

        if (type.IsGenericType)
        {
            return type.GetGenericArguments().SelectMany(Parts);
        }

        return type.IsClass && type.Namespace?.StartsWith("OrleansTasks", StringComparison.Ordinal) == true ? [type] : [];
    }

    private static IEnumerable<PropertyInfo> SerializedProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is not null && p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .Where(p => p.SetMethod is not null || ConstructorOf(type)?.GetParameters().Any(a => string.Equals(a.Name, p.Name, StringComparison.OrdinalIgnoreCase)) == true);

    private static ConstructorInfo? ConstructorOf(Type type) =>
        type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();

    /// <summary>An instance as the reader makes one when the document has none of its optional properties.</summary>
    private static object CreateDefault(Type type)
    {
        var constructor = ConstructorOf(type) ?? throw new InvalidOperationException($"{type.Name} has no public constructor.");
        var arguments = constructor.GetParameters()
            .Select(p => p.HasDefaultValue ? p.DefaultValue : p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType) : null)
            .ToArray();
        return constructor.Invoke(arguments);
    }
}
