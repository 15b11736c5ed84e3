using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Waitpoints;

[Collection(ClusterCollection.Name)]
public sealed class WaitpointTokenTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task ForTokenAsync_CompletedFromOutside_RunResumesWithTheData()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<TokenWaitTask>().TriggerAsync(new TokenPayload(key, TimeSpan.FromMinutes(5)));
        var token = await FindTokenAsync(key);

        var completed = await _tasks.Waitpoints.CompleteTokenAsync(token.Id, new Approval("ada"));
        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        Assert.Equal(WaitpointStatus.Completed, completed.Status);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(new TokenOutput(token.Id, true, "ada", null), run.GetOutput<TokenOutput>());
        var retrieved = await _tasks.Waitpoints.RetrieveTokenAsync(token.Id);
        Assert.Equal(WaitpointStatus.Completed, retrieved.Status);
        Assert.Equal([key], retrieved.Tags);
        Assert.NotNull(retrieved.CompletedAt);
    }

    [Fact]
    public async Task CompleteTokenAsync_Twice_IsAClearError()
    {
        var token = await _tasks.Waitpoints.CreateTokenAsync();
        await _tasks.Waitpoints.CompleteTokenAsync(token.Id, new { ok = true });

        var error = await Assert.ThrowsAsync<WaitpointAlreadyCompletedException>(() => _tasks.Waitpoints.CompleteTokenAsync(token.Id, new { ok = false }));

        Assert.Equal(token.Id, error.TokenId);
        Assert.Contains("completed already", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteTokenAsync_UnknownToken_IsAClearError()
    {
        var error = await Assert.ThrowsAsync<WaitpointNotFoundException>(() => _tasks.Waitpoints.CompleteTokenAsync("waitpoint_nope", 1));

        Assert.Equal("waitpoint_nope", error.TokenId);
    }

    [Fact]
    public async Task ForTokenAsync_TokenTimesOut_RunGetsNotOkWithTheTimeout()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<TokenWaitTask>().TriggerAsync(new TokenPayload(key, TimeSpan.FromSeconds(2)));

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");
        var output = run.GetOutput<TokenOutput>()!;

        Assert.False(output.Ok);
        Assert.Equal(TaskRunErrorCodes.WaitpointTimedOut, output.ErrorCode);
        Assert.Equal(WaitpointStatus.TimedOut, (await _tasks.Waitpoints.RetrieveTokenAsync(output.TokenId)).Status);
        await Assert.ThrowsAsync<WaitpointAlreadyCompletedException>(() => _tasks.Waitpoints.CompleteTokenAsync(output.TokenId, 1));
    }

    [Fact]
    public async Task CreateTokenAsync_SameIdempotencyKey_ReturnsTheSameToken()
    {
        var key = "approval-" + Guid.NewGuid();

        var first = await _tasks.Waitpoints.CreateTokenAsync(new WaitTokenOptions { IdempotencyKey = key });
        var second = await _tasks.Waitpoints.CreateTokenAsync(new WaitTokenOptions { IdempotencyKey = key });

        Assert.Equal(first.Id, second.Id);
        Assert.False(first.IsCached);
        Assert.True(second.IsCached);
    }

    [Fact]
    public async Task ListTokensAsync_FiltersByTagAndStatus_NewestFirst()
    {
        var tag = Guid.NewGuid().ToString();
        var older = await _tasks.Waitpoints.CreateTokenAsync(new WaitTokenOptions { Tags = [tag] });
        var newer = await _tasks.Waitpoints.CreateTokenAsync(new WaitTokenOptions { Tags = [tag] });
        await _tasks.Waitpoints.CompleteTokenAsync(older.Id, "done");

        var all = await _tasks.Waitpoints.ListTokensAsync(new WaitpointTokenFilter { Tags = [tag] }).ToListAsync();
        var waiting = await _tasks.Waitpoints.ListTokensAsync(new WaitpointTokenFilter { Tags = [tag], Status = WaitpointStatus.Waiting }).ToListAsync();

        Assert.Equal([newer.Id, older.Id], all.Select(t => t.Id));
        Assert.Equal([newer.Id], waiting.Select(t => t.Id));
    }

    [Fact]
    public async Task CreateTokenAsync_BadOptions_AreRefusedNamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => _tasks.Waitpoints.CreateTokenAsync(new WaitTokenOptions { Timeout = TimeSpan.Zero }));

        Assert.Contains("Timeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelAsync_RunWaitingForAToken_CanceledAndTheTokenCanStillBeCompleted()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<TokenWaitTask>().TriggerAsync(new TokenPayload(key, TimeSpan.FromMinutes(5)));
        var token = await FindTokenAsync(key);
        await Eventually.Poll(() => _tasks.Runs.RetrieveAsync(handle.Id), r => r.Status == RunStatus.Waiting, s_timeout, "the run to wait");

        var cancelled = await _tasks.Runs.CancelAsync(handle.Id);
        await _tasks.Waitpoints.CompleteTokenAsync(token.Id, new Approval("late"));

        Assert.Equal(RunStatus.Canceled, cancelled.Status);
        Assert.Equal(RunStatus.Canceled, (await _tasks.Runs.RetrieveAsync(handle.Id)).Status);
    }

    private Task<WaitpointToken> FindTokenAsync(string tag) =>
        Eventually.Poll(
            async () => await _tasks.Waitpoints.ListTokensAsync(new WaitpointTokenFilter { Tags = [tag] }).FirstOrDefaultAsync(),
            t => t is not null,
            s_timeout,
            "the run to create its token")!;
}
