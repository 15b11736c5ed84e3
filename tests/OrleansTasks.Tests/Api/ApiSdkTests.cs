using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using OrleansTasks.Tests.Infrastructure;

namespace OrleansTasks.Tests.Api;

/// <summary>
/// The HTTP API judged by Trigger.dev's official SDK: each operation is the SDK's own call (its paths, its superjson
/// payloads, its strict validation of every answer) against a silo's API.
/// </summary>
[Collection(ApiCollection.Name)]
[Trait("Category", "Sdk")]
public sealed class ApiSdkTests(ApiFixture api)
{
    private Task<SdkResult> Sdk(string operation, object? arguments = null, string? token = null, Action<string>? onProgress = null) =>
        TriggerSdk.CallAsync(api.BaseUrl, token ?? api.SecretKey, operation, arguments, onProgress);

    [Fact]
    public async Task Trigger_Poll_Retrieve_AndList_AsTheSdkDoes()
    {
        var tag = "sdk-" + Guid.NewGuid().ToString("N")[..10];
        var handle = (await Sdk("trigger", new { task = "echo", payload = new { value = 7, text = "from node" }, options = new { tags = new[] { tag } } })).Result;
        var id = handle.GetProperty("id").GetString()!;
        Assert.StartsWith("run_", id, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(handle.GetProperty("publicAccessToken").GetString()));

        var done = (await Sdk("poll", new { id })).Result;
        Assert.Equal("COMPLETED", done.GetProperty("status").GetString());
        Assert.True(done.GetProperty("isSuccess").GetBoolean());
        Assert.Equal(7, done.GetProperty("output").GetProperty("value").GetInt32());
        Assert.Equal("from node", done.GetProperty("output").GetProperty("text").GetString());

        var run = (await Sdk("retrieve", new { id })).Result;
        Assert.Equal("echo", run.GetProperty("taskIdentifier").GetString());
        Assert.Equal(7, run.GetProperty("payload").GetProperty("value").GetInt32());
        Assert.Equal([tag], run.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(1, run.GetProperty("attemptCount").GetInt32());

        var listed = (await Sdk("list", new { query = new { tag, limit = 10 } })).Result;
        Assert.Equal([id], listed.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.False(listed.GetProperty("hasNextPage").GetBoolean());
    }

    [Fact]
    public async Task List_PagesThroughTheCursor_NewestFirst_EachRunOnce()
    {
        var tag = "sdk-page-" + Guid.NewGuid().ToString("N")[..8];
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await api.Tasks.TriggerAsync("echo", $$"""{"value":{{i}}}""", new TriggerOptions { Tags = [tag] })).Id);
        }

        var walked = (await Sdk("listAll", new { query = new { tag, limit = 2 } })).Result;
        Assert.Equal(Enumerable.Reverse(ids), walked.EnumerateArray().Select(r => r.GetString()));

        foreach (var id in ids)
        {
            await api.Tasks.Runs.PollAsync(id).Within(TimeSpan.FromSeconds(30), "the runs");
        }

        var completed = (await Sdk("list", new { query = new { tag, status = new[] { "COMPLETED" }, limit = 10 } })).Result;
        Assert.Equal(5, completed.GetProperty("data").GetArrayLength());
        var queued = (await Sdk("list", new { query = new { tag, status = new[] { "QUEUED", "EXECUTING" }, limit = 10 } })).Result;
        Assert.Equal(0, queued.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Reschedule_Cancel_AndReplay_AsTheSdkDoes()
    {
        var delayed = (await Sdk("trigger", new { task = "echo", payload = new { value = 3 }, options = new { delay = "1h" } })).Result.GetProperty("id").GetString()!;
        var before = (await Sdk("retrieve", new { id = delayed })).Result;
        Assert.Equal("DELAYED", before.GetProperty("status").GetString());

        var moved = (await Sdk("reschedule", new { id = delayed, delay = "2h" })).Result;
        Assert.True(moved.GetProperty("delayedUntil").GetDateTimeOffset() > before.GetProperty("delayedUntil").GetDateTimeOffset().AddMinutes(30));

        Assert.Equal(delayed, (await Sdk("cancel", new { id = delayed })).Result.GetProperty("id").GetString());
        var cancelled = (await Sdk("retrieve", new { id = delayed })).Result;
        Assert.Equal("CANCELED", cancelled.GetProperty("status").GetString());
        Assert.True(cancelled.GetProperty("isCancelled").GetBoolean());

        var replay = (await Sdk("replay", new { id = delayed })).Result.GetProperty("id").GetString()!;
        Assert.NotEqual(delayed, replay);
        var replayed = (await Sdk("poll", new { id = replay })).Result;
        Assert.Equal(3, replayed.GetProperty("output").GetProperty("value").GetInt32());
    }

    [Fact]
    public async Task Errors_ReachTheSdkWithTheirStatusAndMessage()
    {
        var unknown = await Sdk("trigger", new { task = "no-such-task", payload = new { } });
        Assert.Equal(404, unknown.Status);
        Assert.Contains("no-such-task", unknown.Message, StringComparison.Ordinal);

        var missing = await Sdk("retrieve", new { id = "run_doesnotexist" });
        Assert.Equal(404, missing.Status);

        var badKey = await Sdk("retrieve", new { id = "run_doesnotexist" }, token: "tr_dev_" + new string('x', 40));
        Assert.Equal(401, badKey.Status);

        var tooManyTags = await Sdk("trigger", new { task = "echo", payload = new { value = 1 }, options = new { tags = Enumerable.Range(0, 11).Select(i => $"t{i}").ToArray() } });
        Assert.Equal(400, tooManyTags.Status);
        Assert.Contains("tag", tooManyTags.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PublicTokens_ReadOnlyWhatTheirScopesName()
    {
        var tag = "sdk-token-" + Guid.NewGuid().ToString("N")[..8];
        var mine = (await Sdk("trigger", new { task = "echo", payload = new { value = 1 }, options = new { tags = new[] { tag } } })).Result;
        var other = (await Sdk("trigger", new { task = "echo", payload = new { value = 2 } })).Result.GetProperty("id").GetString()!;
        var handleToken = mine.GetProperty("publicAccessToken").GetString()!;
        var mineId = mine.GetProperty("id").GetString()!;

        // The trigger's answer carries a token for its run, and for nothing else.
        Assert.Equal(mineId, (await Sdk("retrieve", new { id = mineId }, handleToken)).Result.GetProperty("id").GetString());
        Assert.Equal(403, (await Sdk("retrieve", new { id = other }, handleToken)).Status);
        Assert.Equal(403, (await Sdk("cancel", new { id = mineId }, handleToken)).Status);
        Assert.Equal(403, (await Sdk("trigger", new { task = "echo", payload = new { value = 3 } }, handleToken)).Status);

        // A token the SDK signs itself with the secret key, scoped to a tag: runs with the tag, listed or one by one.
        var tagToken = (await Sdk("createPublicToken", new { scopes = new { read = new { tags = new[] { tag } } } })).Result.GetString()!;
        Assert.Equal(mineId, (await Sdk("retrieve", new { id = mineId }, tagToken)).Result.GetProperty("id").GetString());
        Assert.Equal(403, (await Sdk("retrieve", new { id = other }, tagToken)).Status);
        var listed = (await Sdk("list", new { query = new { tag } }, tagToken)).Result;
        Assert.Equal([mineId], listed.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(403, (await Sdk("list", new { query = new { } }, tagToken)).Status);

        // Expired: signed valid, but its time is over.
        var expired = (await Sdk("createPublicToken", new { scopes = new { read = new { runs = true } }, expirationTime = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds() })).Result.GetString()!;
        Assert.Equal(401, (await Sdk("retrieve", new { id = mineId }, expired)).Status);
    }

    [Fact]
    public async Task Schedules_CreateRetrieveListUpdateDeactivateActivateDelete_AsTheSdkDoes()
    {
        var key = "sdk-" + Guid.NewGuid().ToString("N")[..10];
        var created = (await Sdk("createSchedule", new { task = "scheduled-probe", cron = "0 9 * * 1", deduplicationKey = key, externalId = "user-1", timezone = "Europe/London" })).Result;
        var id = created.GetProperty("id").GetString()!;
        Assert.StartsWith("sched_", id, StringComparison.Ordinal);
        Assert.Equal(("IMPERATIVE", "0 9 * * 1", "Europe/London", "user-1"), (created.GetProperty("type").GetString(), created.GetProperty("generator").GetProperty("expression").GetString(),
            created.GetProperty("timezone").GetString(), created.GetProperty("externalId").GetString()));
        Assert.False(string.IsNullOrEmpty(created.GetProperty("generator").GetProperty("description").GetString()));

        // Created again with the same key: the same schedule, updated.
        var again = (await Sdk("createSchedule", new { task = "scheduled-probe", cron = "0 10 * * 1", deduplicationKey = key })).Result;
        Assert.Equal(id, again.GetProperty("id").GetString());
        Assert.Equal("0 10 * * 1", again.GetProperty("generator").GetProperty("expression").GetString());

        Assert.Equal(id, (await Sdk("retrieveSchedule", new { id })).Result.GetProperty("id").GetString());
        var listed = (await Sdk("listSchedules", new { perPage = 100 })).Result;
        Assert.Contains(id, listed.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("id").GetString()));

        var updated = (await Sdk("updateSchedule", new { id, options = new { task = "scheduled-probe", cron = "*/5 * * * *" } })).Result;
        Assert.Equal("*/5 * * * *", updated.GetProperty("generator").GetProperty("expression").GetString());
        Assert.False((await Sdk("deactivateSchedule", new { id })).Result.GetProperty("active").GetBoolean());
        Assert.True((await Sdk("activateSchedule", new { id })).Result.GetProperty("active").GetBoolean());
        Assert.Equal(id, (await Sdk("deleteSchedule", new { id })).Result.GetProperty("id").GetString());
        Assert.Equal(404, (await Sdk("retrieveSchedule", new { id })).Status);

        var badCron = await Sdk("createSchedule", new { task = "scheduled-probe", cron = "61 * * * *", deduplicationKey = key + "-bad" });
        Assert.Equal(400, badCron.Status);
        Assert.Contains("minute", badCron.Message, StringComparison.OrdinalIgnoreCase);

        var zones = (await Sdk("timezones", new { excludeUtc = true })).Result.GetProperty("timezones").EnumerateArray().Select(z => z.GetString()).ToList();
        Assert.Contains("Europe/London", zones);
        Assert.DoesNotContain("UTC", zones);
    }

    [Fact]
    public async Task Queues_ListRetrievePauseResumeOverrideReset_AsTheSdkDoes()
    {
        var listed = (await Sdk("listQueues", new { perPage = 100 })).Result;
        Assert.Contains("echo", listed.GetProperty("data").EnumerateArray().Select(q => q.GetProperty("name").GetString()));

        var queue = new { type = "task", name = "echo" };
        var retrieved = (await Sdk("retrieveQueue", new { queue })).Result;
        Assert.Equal(("echo", false), (retrieved.GetProperty("name").GetString(), retrieved.GetProperty("paused").GetBoolean()));
        Assert.Equal("echo", (await Sdk("retrieveQueue", new { queue = retrieved.GetProperty("id").GetString() })).Result.GetProperty("name").GetString());

        try
        {
            Assert.True((await Sdk("pauseQueue", new { queue })).Result.GetProperty("paused").GetBoolean());
            Assert.False((await Sdk("resumeQueue", new { queue })).Result.GetProperty("paused").GetBoolean());
            var overridden = (await Sdk("overrideQueue", new { queue, limit = 5 })).Result;
            Assert.Equal(5, overridden.GetProperty("concurrencyLimit").GetInt32());
            Assert.Equal(5, overridden.GetProperty("concurrency").GetProperty("override").GetInt32());
            var reset = (await Sdk("resetQueue", new { queue })).Result;
            Assert.Equal(JsonValueKind.Null, reset.GetProperty("concurrency").GetProperty("override").ValueKind);
        }
        finally
        {
            await api.Tasks.Queues.ResumeAsync("echo");
            await api.Tasks.Queues.ResetConcurrencyLimitAsync("echo");
        }

        Assert.Equal(404, (await Sdk("retrieveQueue", new { queue = new { type = "custom", name = "no-such-queue" } })).Status);
    }

    [Fact]
    public async Task WaitpointTokens_CreateCompleteRetrieveList_AsTheSdkDoes()
    {
        var tag = "sdk-wp-" + Guid.NewGuid().ToString("N")[..8];
        var created = (await Sdk("createToken", new { timeout = "1h", tags = new[] { tag } })).Result;
        var id = created.GetProperty("id").GetString()!;
        Assert.StartsWith("http", created.GetProperty("url").GetString(), StringComparison.Ordinal);
        var writeToken = created.GetProperty("publicAccessToken").GetString()!;

        var waiting = (await Sdk("retrieveToken", new { id })).Result;
        Assert.Equal("WAITING", waiting.GetProperty("status").GetString());
        var listed = (await Sdk("listTokens", new { tags = new[] { tag } })).Result;
        Assert.Equal([id], listed.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("id").GetString()));

        // The token's own write token completes it; a second completion is a success that changes nothing.
        Assert.True((await Sdk("completeToken", new { id, data = new { approvedBy = "sdk" } }, writeToken)).Result.GetProperty("success").GetBoolean());
        Assert.True((await Sdk("completeToken", new { id, data = new { approvedBy = "again" } })).Result.GetProperty("success").GetBoolean());
        var completed = (await Sdk("retrieveToken", new { id })).Result;
        Assert.Equal("COMPLETED", completed.GetProperty("status").GetString());
        Assert.Equal("sdk", completed.GetProperty("output").GetProperty("approvedBy").GetString());

        var other = (await Sdk("createToken", new { timeout = "1h" })).Result.GetProperty("id").GetString()!;
        Assert.Equal(403, (await Sdk("completeToken", new { id = other, data = new { } }, writeToken)).Status);
    }

    [Fact]
    public async Task AWebhookPostingToTheCallbackUrl_CompletesTheTokenARunWaitsFor_WithoutAKey()
    {
        var key = "sdk-cb-" + Guid.NewGuid().ToString("N")[..8];
        var run = (await Sdk("trigger", new { task = "token-wait", payload = new { key } })).Result.GetProperty("id").GetString()!;
        var token = await Eventually.Poll(
            async () => (await Sdk("listTokens", new { tags = new[] { key } })).Result.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("url").GetString()).FirstOrDefault(),
            url => url is not null, TimeSpan.FromSeconds(30), "the run's token");

        var forged = (await Sdk("postCallback", new { url = token![..^4] + "0000", body = new { approvedBy = "forger" } })).Result;
        Assert.Equal(401, forged.GetProperty("status").GetInt32());

        var posted = (await Sdk("postCallback", new { url = token, body = new { approvedBy = "webhook" } })).Result;
        Assert.Equal(200, posted.GetProperty("status").GetInt32());
        var done = (await Sdk("poll", new { id = run })).Result;
        Assert.Equal("webhook", done.GetProperty("output").GetProperty("approvedBy").GetString());
    }

    [Fact]
    public async Task BatchTrigger_InTwoSteps_MakesEachRunOnce_InItemOrder_AsTheSdkDoes()
    {
        var items = Enumerable.Range(0, 5).Select(i => new { payload = new { value = i } }).ToArray();
        var handle = (await Sdk("batchTrigger", new { task = "echo", items })).Result;
        var batchId = handle.GetProperty("batchId").GetString()!;
        Assert.Equal(5, handle.GetProperty("runCount").GetInt32());
        Assert.False(string.IsNullOrEmpty(handle.GetProperty("publicAccessToken").GetString()));

        var batch = (await Sdk("retrieveBatch", new { id = batchId })).Result;
        var runIds = batch.GetProperty("runs").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.Equal(5, runIds.Count);
        for (var i = 0; i < runIds.Count; i++)
        {
            var run = await api.Tasks.Runs.PollAsync(runIds[i]).Within(TimeSpan.FromSeconds(30), "the batch's runs");
            Assert.Equal((batchId, i), (run.BatchId, run.GetOutput<TestTasks.EchoOutput>()!.Value));
        }

        // The batch's read token reads it.
        Assert.Equal(batchId, (await Sdk("retrieveBatch", new { id = batchId }, handle.GetProperty("publicAccessToken").GetString())).Result.GetProperty("id").GetString());

        // With an idempotency key, the same batch again: the SDK sends no items the second time, and no run is made twice.
        var key = "batch-" + Guid.NewGuid().ToString("N")[..8];
        var keyed = (await Sdk("batchTrigger", new { task = "echo", items, options = new { idempotencyKey = key } })).Result.GetProperty("batchId").GetString()!;
        Assert.Equal(keyed, (await Sdk("batchTrigger", new { task = "echo", items, options = new { idempotencyKey = key } })).Result.GetProperty("batchId").GetString());
        Assert.Equal(5, (await Sdk("retrieveBatch", new { id = keyed })).Result.GetProperty("runs").GetArrayLength());

        // A batch of two tasks.
        var mixed = (await Sdk("batchTriggerTasks", new { items = new object[] { new { id = "echo", payload = new { value = 40 } }, new { id = "doubler", payload = new { value = 21 } } } })).Result;
        var mixedRuns = (await Sdk("retrieveBatch", new { id = mixed.GetProperty("batchId").GetString() })).Result.GetProperty("runs").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.Equal(["echo", "doubler"], await Task.WhenAll(mixedRuns.Select(async id => (await api.Tasks.Runs.RetrieveAsync(id)).TaskId)));
    }

    [Fact]
    public async Task AddTags_ToARunAfterItsTrigger_UpToTen_AsTheSdkDoes()
    {
        var tag = "sdk-tags-" + Guid.NewGuid().ToString("N")[..8];
        var id = (await Sdk("trigger", new { task = "echo", payload = new { value = 1 }, options = new { tags = new[] { "first" }, delay = "1h" } })).Result.GetProperty("id").GetString()!;

        var added = (await Sdk("addTags", new { id, tags = new[] { tag, "first" } })).Result;
        Assert.Contains("1 new", added.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(["first", tag], (await api.Tasks.Runs.RetrieveAsync(id)).Tags);
        Assert.Equal([id], (await Sdk("list", new { query = new { tag } })).Result.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("id").GetString()));

        var tooMany = await Sdk("addTags", new { id, tags = Enumerable.Range(0, 9).Select(i => $"more-{i}").ToArray() });
        Assert.Equal(422, tooMany.Status);
        Assert.Equal(2, (await api.Tasks.Runs.RetrieveAsync(id)).Tags.Count);
        await api.Tasks.Runs.CancelAsync(id);
    }

    [Fact]
    public async Task Realtime_TheSdkFollowsARun_RunsWithATag_AndABatch_ToTheirEnd()
    {
        var tag = "sdk-rt-" + Guid.NewGuid().ToString("N")[..8];
        // Delayed until the SDK has seen its first state, then moved to now: so it is seen DELAYED, whatever the load.
        var delayed = (await Sdk("trigger", new { task = "echo", payload = new { value = 9 }, options = new { tags = new[] { tag }, delay = "1h" } })).Result.GetProperty("id").GetString()!;
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var following = Sdk("subscribeRun", new { id = delayed }, onProgress: _ => seen.TrySetResult());
        await seen.Task.Within(TimeSpan.FromSeconds(60), "the SDK's first state of the run");
        await api.Tasks.Runs.RescheduleAsync(delayed, DateTimeOffset.UtcNow);
        var others = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            others.Add((await Sdk("trigger", new { task = "echo", payload = new { value = i }, options = new { tags = new[] { tag } } })).Result.GetProperty("id").GetString()!);
        }

        var states = (await following.Within(TimeSpan.FromSeconds(60), "the run subscription to end")).Result.EnumerateArray().ToList();
        Assert.Equal("COMPLETED", states[^1].GetProperty("status").GetString());
        Assert.Equal(9, states[^1].GetProperty("output").GetProperty("value").GetInt32());
        Assert.Equal(9, states[^1].GetProperty("payload").GetProperty("value").GetInt32());
        Assert.Contains(states, s => s.GetProperty("status").GetString() == "DELAYED");
        Assert.Equal([tag], states[^1].GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var tagged = (await Sdk("subscribeTag", new { tag, count = 3 }).Within(TimeSpan.FromSeconds(60), "the tag subscription")).Result.EnumerateArray().ToList();
        Assert.Equal(others.Append(delayed).Order(), tagged.Select(r => r.GetProperty("id").GetString()).Order());
        Assert.All(tagged, r => Assert.Equal("COMPLETED", r.GetProperty("status").GetString()));

        var batchId = (await Sdk("batchTrigger", new { task = "echo", items = new[] { new { payload = new { value = 1 } }, new { payload = new { value = 2 } } } })).Result.GetProperty("batchId").GetString()!;
        var batch = (await Sdk("subscribeBatch", new { id = batchId, count = 2 }).Within(TimeSpan.FromSeconds(60), "the batch subscription")).Result;
        Assert.Equal(2, batch.GetArrayLength());

        // A token for another run cannot follow this one (the SDK's shape client stops at a 4xx without saying why, so
        // the shape is asked for directly); the run's own token can.
        using var http = new HttpClient { BaseAddress = new Uri(api.BaseUrl) };
        var otherToken = (await Sdk("trigger", new { task = "echo", payload = new { value = 5 } })).Result.GetProperty("publicAccessToken").GetString();
        using var refused = new HttpRequestMessage(HttpMethod.Get, $"/realtime/v1/runs/{delayed}?log=full&offset=-1");
        refused.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", otherToken);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await http.SendAsync(refused)).StatusCode);
        var ownToken = (await Sdk("trigger", new { task = "echo", payload = new { value = 6 } })).Result;
        var own = (await Sdk("subscribeRun", new { id = ownToken.GetProperty("id").GetString() }, ownToken.GetProperty("publicAccessToken").GetString())).Result;
        Assert.Equal("COMPLETED", own.EnumerateArray().Last().GetProperty("status").GetString());
    }

    [Fact]
    public async Task TriggerTokens_AreSingleUseByDefault_AndTriggerOnlyTheirTask()
    {
        var once = (await Sdk("createTriggerToken", new { task = "echo" })).Result.GetString()!;
        Assert.StartsWith("run_", (await Sdk("trigger", new { task = "echo", payload = new { value = 1 } }, once)).Result.GetProperty("id").GetString(), StringComparison.Ordinal);
        var again = await Sdk("trigger", new { task = "echo", payload = new { value = 2 } }, once);
        Assert.Equal(401, again.Status);
        Assert.Contains("single-use", again.Message, StringComparison.Ordinal);

        var many = (await Sdk("createTriggerToken", new { task = "echo", options = new { multipleUse = true } })).Result.GetString()!;
        for (var i = 0; i < 2; i++)
        {
            Assert.True((await Sdk("trigger", new { task = "echo", payload = new { value = i } }, many)).Ok);
        }

        Assert.Equal(403, (await Sdk("trigger", new { task = "doubler", payload = new { value = 1 } }, many)).Status);

        // The same tokens, made in .NET by the host that serves the API.
        var tokens = api.App.Services.GetRequiredService<OrleansTasks.Web.Auth.PublicAccessTokens>();
        var dotnetOnce = tokens.CreateTriggerToken("echo");
        Assert.True((await Sdk("trigger", new { task = "echo", payload = new { value = 3 } }, dotnetOnce)).Ok);
        Assert.Equal(401, (await Sdk("trigger", new { task = "echo", payload = new { value = 4 } }, dotnetOnce)).Status);
        var reader = tokens.Create(["read:runs"]);
        Assert.True((await Sdk("list", new { query = new { limit = 1 } }, reader)).Ok);

        // And by a service that has only the secret key.
        var signed = OrleansTasks.Web.Auth.PublicAccessTokens.Sign(api.SecretKey, ["read:runs"]);
        Assert.True((await Sdk("list", new { query = new { limit = 1 } }, signed)).Ok);
        Assert.Equal(401, (await Sdk("list", new { query = new { limit = 1 } }, OrleansTasks.Web.Auth.PublicAccessTokens.Sign("tr_dev_" + new string('z', 40), ["read:runs"]))).Status);
    }

    [Fact]
    public async Task ALargePayload_TheSdkOffloads_ReachesTheRunWhole()
    {
        var text = string.Concat(Enumerable.Repeat("0123456789", 25_000)); // 250 KB: the SDK uploads it first
        var id = (await Sdk("trigger", new { task = "echo", payload = new { value = 8, text } })).Result.GetProperty("id").GetString()!;
        var run = await api.Tasks.Runs.PollAsync(id).Within(TimeSpan.FromSeconds(60), "the run with a large payload");
        Assert.Equal(text, run.GetOutput<TestTasks.EchoOutput>()!.Text);

        var items = new[] { new { payload = new { value = 1, text } }, new { payload = new { value = 2, text = "small" } } };
        var batchId = (await Sdk("batchTrigger", new { task = "echo", items })).Result.GetProperty("batchId").GetString()!;
        var runs = (await Sdk("retrieveBatch", new { id = batchId })).Result.GetProperty("runs").EnumerateArray().Select(r => r.GetString()!).ToList();
        var first = await api.Tasks.Runs.PollAsync(runs[0]).Within(TimeSpan.FromSeconds(60), "the batch run with a large payload");
        Assert.Equal(text, first.GetOutput<TestTasks.EchoOutput>()!.Text);
    }
}
