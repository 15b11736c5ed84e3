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
    private Task<SdkResult> Sdk(string operation, object? arguments = null, string? token = null) =>
        TriggerSdk.CallAsync(api.BaseUrl, token ?? api.SecretKey, operation, arguments);

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
}
