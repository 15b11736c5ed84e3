using OrleansTasks.Runs;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;
using OrleansTasks.Realtime;
using OrleansTasks.Updates;

namespace OrleansTasks.Tests.Runs;

/// <summary>
/// The run update point: every committed change of a run is one update, numbered by a sequence that only grows, from
/// the trigger to the final status, through retries, waits, suspension and replay.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RunUpdateTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task ARunThatSuspendsAndReplays_IsOneUpdatePerChange_InSequence_EndingWithItsFinalState()
    {
        var handle = await _tasks.For<StepWaitStepTask>().TriggerAsync(new StepWaitPayload(Guid.NewGuid().ToString("N"), TimeSpan.FromSeconds(2)));
        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        var updates = await FinalUpdatesOf(run);
        Assert.Contains(updates, u => u.Run.Status == RunStatus.Waiting);
        Assert.Equal(run.OutputJson, updates[^1].Run.OutputJson);
        Assert.Equal(2, updates[^1].Run.Journal.Count(e => e.Kind == "Step"));
    }

    [Fact]
    public async Task ARunThatRetries_ShowsEachAttemptAndTheQueueBetween()
    {
        var handle = await _tasks.For<SucceedsOnAttemptTask>().TriggerAsync(new SucceedsOnPayload(2));
        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        var updates = await FinalUpdatesOf(run);
        var statuses = updates.Select(u => u.Run.Status).Where((s, i) => i == 0 || s != updates[i - 1].Run.Status).ToList();
        Assert.Equal([RunStatus.Queued, RunStatus.Executing, RunStatus.Queued, RunStatus.Executing, RunStatus.Completed], statuses);
        Assert.Equal(2, updates[^1].Run.Attempts.Count);
    }

    /// <summary>Waits for the run's final update, then checks what holds for every run's updates.</summary>
    private async Task<IReadOnlyList<RunUpdate>> FinalUpdatesOf(TaskRun run)
    {
        var updates = await Eventually.Poll(() => Task.FromResult(fixture.Updates.Of(run.Id)), u => u.Count > 0 && u[^1].Run.IsFinal, s_timeout, "the final update");
        Assert.Equal(1, updates[0].Sequence);
        Assert.Equal(RunStatus.Queued, updates[0].Run.Status);
        for (var i = 1; i < updates.Count; i++)
        {
            Assert.True(updates[i].Sequence > updates[i - 1].Sequence, $"update {i} has sequence {updates[i].Sequence} after {updates[i - 1].Sequence}");
            var (from, to) = (updates[i - 1].Run.Status, updates[i].Run.Status);
            Assert.True(from == to || RunTransitions.IsAllowed(from, to), $"{from} → {to}");
        }

        Assert.Equal(run.Status, updates[^1].Run.Status);
        Assert.Single(updates, u => u.Run.IsFinal);
        return updates;
    }
}
