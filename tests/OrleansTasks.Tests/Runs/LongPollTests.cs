using OrleansTasks.Runs;
using OrleansTasks.Tests.Infrastructure;

namespace OrleansTasks.Tests.Runs;

/// <summary>
/// The run grain's long poll (<c>WaitForFinalAsync</c>), under <c>Runs.PollAsync</c>: it answers with the run the
/// moment it ends, and with nothing once its slice runs out, leaving no waiter behind.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LongPollTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ASliceThatRunsOut_AnswersNothing_AndALaterEndStillReachesTheNextPoll()
    {
        var handle = await fixture.Tasks.TriggerAsync("echo", """{"value":1}""", new TriggerOptions { Delay = TimeSpan.FromHours(1) });
        var run = fixture.Grains.GetGrain<IRunGrain>(handle.Id);

        Assert.Null(await run.WaitForFinalAsync(TimeSpan.FromMilliseconds(100)).Within(s_timeout, "a poll of a delayed run"));

        var waiting = run.WaitForFinalAsync(s_timeout);
        await fixture.Tasks.Runs.CancelAsync(handle.Id);
        var ended = await waiting.Within(s_timeout, "the poll of the cancelled run");

        Assert.NotNull(ended);
        Assert.Equal(RunStatus.Canceled, ended.Status);
    }

    [Fact]
    public async Task APollOfARunAlreadyEnded_AnswersAtOnce()
    {
        var handle = await fixture.Tasks.TriggerAsync("echo", """{"value":2}""");
        await fixture.Tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the echo run");

        var run = await fixture.Grains.GetGrain<IRunGrain>(handle.Id).WaitForFinalAsync(TimeSpan.FromHours(1)).Within(s_timeout, "a poll of an ended run");

        Assert.Equal(RunStatus.Completed, run!.Status);
    }
}
