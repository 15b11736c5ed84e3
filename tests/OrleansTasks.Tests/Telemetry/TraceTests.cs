using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Orleans.Diagnostics;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;
using OtelSdk = OpenTelemetry.Sdk;

namespace OrleansTasks.Tests.Telemetry;

/// <summary>
/// The spans a run tree reports, collected from the in-process silos. Other tests run at the same time and report to
/// the same provider, so each test picks out its own runs by run id, then their trace by trace id.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TraceTests(ClusterFixture fixture)
{
    private const string TestSourceName = "OrleansTasks.Tests.Telemetry";
    private static readonly ActivitySource s_testSource = new(TestSourceName);
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task TriggerAndWaitAsync_ParentAndChild_OneTraceWithEachSpanUnderItsOwner()
    {
        var exported = new List<Activity>();
        using var provider = OtelSdk.CreateTracerProviderBuilder()
            .AddSource(OrleansTasksTelemetry.ActivitySourceName)
            .AddInMemoryExporter(exported)
            .Build();

        var handle = await _tasks.For<TracedParentTask>().TriggerAsync(new NumberPayload(21), cancellationToken: TestContext.Current.CancellationToken);
        var parent = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the parent run");
        var childId = parent.GetOutput<TracedOutput>()!.ChildRunId;
        var tree = await WaitForTreeAsync(provider, exported, handle.Id, childId);

        // (a) One trace for both runs' spans, and the spans without run tags (steps, waits, hooks) found in it.
        var parentSpans = tree.OfRun(handle.Id).ToList();
        var childSpans = tree.OfRun(childId).ToList();
        Assert.Single(parentSpans.Concat(childSpans).Select(s => s.TraceId).Distinct());
        var step = Assert.Single(tree.Named("step double"));

        // The parent's trigger is the root: nothing around the client's call.
        var parentTrigger = tree.Trigger(handle.Id);
        Assert.Equal(default(ActivitySpanId), parentTrigger.ParentSpanId);

        // (b) The child's trigger is inside the parent's attempt.
        var parentAttempts = tree.Attempts(handle.Id);
        var childTrigger = tree.Trigger(childId);
        Assert.True(
            tree.IsUnder(childTrigger, parentAttempts),
            $"The child's trigger span should be under the parent's attempt span; its ancestry: {tree.Ancestry(childTrigger)}.");

        // (c) Every attempt hangs under its run's trigger.
        Assert.All(parentAttempts, a => Assert.Equal(parentTrigger.SpanId, a.ParentSpanId));
        var childAttempts = tree.Attempts(childId);
        Assert.All(childAttempts, a => Assert.Equal(childTrigger.SpanId, a.ParentSpanId));

        // (d) The user's span and the step are children of their attempts.
        var userSpans = tree.Named("user-span");
        Assert.NotEmpty(userSpans);
        Assert.All(userSpans, u => Assert.Contains(u.ParentSpanId, parentAttempts.Select(a => a.SpanId)));
        Assert.Equal(handle.Id, userSpans[0].GetTagItem(OrleansTasksTelemetry.RunIdTag));
        Assert.Contains(step.ParentSpanId, childAttempts.Select(a => a.SpanId));

        // Waits and hooks, where there are any, are inside an attempt too.
        Assert.All(
            tree.All.Where(s => s.DisplayName.StartsWith("wait ", StringComparison.Ordinal) || s.DisplayName.StartsWith("hook ", StringComparison.Ordinal)),
            s => Assert.True(tree.IsUnder(s, [.. parentAttempts, .. childAttempts]), $"'{s.DisplayName}' is outside the attempts: {tree.Ancestry(s)}."));
    }

    [Fact]
    public async Task TriggerAsync_InsideTheCallersSpan_TheRunTreeJoinsItsTrace()
    {
        var exported = new List<Activity>();
        using var provider = OtelSdk.CreateTracerProviderBuilder()
            .AddSource(OrleansTasksTelemetry.ActivitySourceName, TestSourceName)
            .AddInMemoryExporter(exported)
            .Build();

        RunHandle handle;
        ActivityContext root;
        using (var request = s_testSource.StartActivity("request"))
        {
            Assert.NotNull(request);
            root = request.Context;
            handle = await _tasks.For<TracedParentTask>().TriggerAsync(new NumberPayload(5), cancellationToken: TestContext.Current.CancellationToken);
        }

        var parent = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the parent run");
        var childId = parent.GetOutput<TracedOutput>()!.ChildRunId;
        var tree = await WaitForTreeAsync(provider, exported, handle.Id, childId);

        var parentTrigger = tree.Trigger(handle.Id);
        Assert.Equal(root.TraceId, parentTrigger.TraceId);
        Assert.Equal(root.SpanId, parentTrigger.ParentSpanId);
        Assert.All(tree.OfRun(childId), s => Assert.Equal(root.TraceId, s.TraceId));
        Assert.Single(tree.All, s => s.SpanId == root.SpanId && s.Source.Name == TestSourceName);
    }

    [Fact]
    public async Task TriggerAsync_OrleansSourcesListened_GrainCallsCarryTheTraceOnce()
    {
        var exported = new List<Activity>();
        using var provider = OtelSdk.CreateTracerProviderBuilder()
            .AddSource(OrleansTasksTelemetry.ActivitySourceName, TestSourceName, ActivitySources.ApplicationGrainActivitySourceName, ActivitySources.RuntimeActivitySourceName)
            .AddInMemoryExporter(exported)
            .Build();

        RunHandle handle;
        ActivityContext root;
        using (var request = s_testSource.StartActivity("request"))
        {
            Assert.NotNull(request);
            root = request.Context;
            handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), cancellationToken: TestContext.Current.CancellationToken);
        }

        await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");
        var spans = await Eventually.Poll(
            () =>
            {
                provider.ForceFlush();
                return Task.FromResult(new SpanTree([.. Snapshot(exported).Where(s => s.TraceId == root.TraceId)]));
            },
            t => t.All.Any(s => IsGrainCall(s) && s.Kind == ActivityKind.Server)
                && t.All.Any(s => s.DisplayName.StartsWith("attempt ", StringComparison.Ordinal)),
            s_timeout,
            "the grain-call spans in the caller's trace");

        // The client's filter opens a client span under the caller's; the silo's filter a server span under that.
        var grainCalls = spans.All.Where(IsGrainCall).ToList();
        var clientCalls = grainCalls.Where(s => s.Kind == ActivityKind.Client && s.ParentSpanId == root.SpanId).ToList();
        Assert.NotEmpty(clientCalls);
        Assert.Contains(grainCalls, s => s.Kind == ActivityKind.Server && clientCalls.Any(c => c.SpanId == s.ParentSpanId));

        // Filters added twice would nest a second span of the same kind for the same call.
        Assert.DoesNotContain(grainCalls, s => spans.Parent(s) is { } p
            && p.Source.Name == s.Source.Name && p.Kind == s.Kind && p.DisplayName == s.DisplayName);
    }

    /// <summary>
    /// Waits until both runs' triggers, attempts, the user's span and the step are exported, and no span is waiting for
    /// its parent (an attempt's span ends, and is exported, after the spans inside it). The parent run's trigger is let
    /// off: where it hangs is what the tests assert.
    /// </summary>
    private static Task<SpanTree> WaitForTreeAsync(TracerProvider provider, List<Activity> exported, string parentId, string childId) =>
        Eventually.Poll(
            () =>
            {
                provider.ForceFlush();
                // The traces of both triggers: one, unless the child has come loose, which the tests then show.
                var spans = Snapshot(exported);
                var traces = spans.Where(s => IsTrigger(s) && (RunIdOf(s) == parentId || RunIdOf(s) == childId)).Select(s => s.TraceId).ToHashSet();
                return Task.FromResult(new SpanTree([.. spans.Where(s => traces.Contains(s.TraceId))]));
            },
            tree => tree.All.Any(s => IsTrigger(s) && RunIdOf(s) == parentId)
                && tree.All.Any(s => IsTrigger(s) && RunIdOf(s) == childId)
                && tree.Attempts(parentId).Count > 0
                && tree.Attempts(childId).Count > 0
                && tree.Named("user-span").Count > 0
                && tree.Named("step double").Count > 0
                && tree.All.All(s => !IsOrleansTasks(s) || s.ParentSpanId == default || tree.Parent(s) is not null || (IsTrigger(s) && RunIdOf(s) == parentId)),
            s_timeout,
            $"the spans of run {parentId} and its child {childId}");

    /// <summary>What the exporter has so far; it adds from the silos' threads, so a torn copy is retried by the poll.</summary>
    private static Activity[] Snapshot(List<Activity> exported) => [.. exported.ToArray().Where(s => s is not null)];

    /// <summary>
    /// A span from Orleans' call filters. The engine's grain interfaces report to the runtime source, not the
    /// application one: Orleans takes any interface whose namespace starts with "Orleans" (as "OrleansTasks" does) for
    /// its own.
    /// </summary>
    private static bool IsGrainCall(Activity span) =>
        span.Source.Name is ActivitySources.ApplicationGrainActivitySourceName or ActivitySources.RuntimeActivitySourceName
        && span.Kind is ActivityKind.Client or ActivityKind.Server;

    private static bool IsOrleansTasks(Activity span) => span.Source.Name == OrleansTasksTelemetry.ActivitySourceName;

    private static bool IsTrigger(Activity span) => IsOrleansTasks(span) && span.DisplayName.StartsWith("trigger ", StringComparison.Ordinal);

    private static string? RunIdOf(Activity span) => span.GetTagItem(OrleansTasksTelemetry.RunIdTag) as string;

    /// <summary>The spans of one trace, and the questions the tests ask of them.</summary>
    private sealed record SpanTree(IReadOnlyList<Activity> All)
    {
        public IEnumerable<Activity> OfRun(string runId) => All.Where(s => RunIdOf(s) == runId);

        public Activity Trigger(string runId) => Assert.Single(OfRun(runId), IsTrigger);

        public List<Activity> Attempts(string runId) =>
            [.. OfRun(runId).Where(s => IsOrleansTasks(s) && s.DisplayName.StartsWith("attempt ", StringComparison.Ordinal))];

        public List<Activity> Named(string name) => [.. All.Where(s => IsOrleansTasks(s) && s.DisplayName == name)];

        public Activity? Parent(Activity span) =>
            span.ParentSpanId == default ? null : All.FirstOrDefault(s => s.SpanId == span.ParentSpanId);

        public bool IsUnder(Activity span, IReadOnlyCollection<Activity> ancestors)
        {
            for (var current = Parent(span); current is not null; current = Parent(current))
            {
                if (ancestors.Any(a => a.SpanId == current.SpanId))
                {
                    return true;
                }
            }

            return false;
        }

        public string Ancestry(Activity span)
        {
            var names = new List<string>();
            for (Activity? current = span; current is not null; current = Parent(current))
            {
                names.Add($"{current.DisplayName} ({current.SpanId} <- {current.ParentSpanId})");
            }

            return string.Join(" / ", names);
        }

        public override string ToString() =>
            string.Join("; ", All.Select(s => $"{s.DisplayName} [{RunIdOf(s)}] {s.SpanId} <- {s.ParentSpanId}"));
    }
}
