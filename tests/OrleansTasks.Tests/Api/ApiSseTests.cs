using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Api;

/// <summary>Realtime as server-sent events, read as a browser's EventSource reads them, including a reconnect with Last-Event-ID.</summary>
[Collection(ApiCollection.Name)]
public sealed class ApiSseTests(ApiFixture api) : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http = new() { BaseAddress = new Uri(api.BaseUrl), Timeout = Timeout.InfiniteTimeSpan };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task ARun_ItsStatesInOrderToTheFinalOne_ThenEnd_AndAReconnectResumes()
    {
        // Delayed until its first event has arrived, then moved to now: so the first state is DELAYED, whatever the load.
        var handle = await api.Tasks.TriggerAsync("echo", """{"value":4}""", new TriggerOptions { Delay = TimeSpan.FromHours(1) });
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = ReadAsync($"/api/v1/sse/runs/{handle.Id}", onEvent: first);
        await first.Task.Within(s_timeout, "the run's first event");
        await api.Tasks.Runs.RescheduleAsync(handle.Id, DateTimeOffset.UtcNow);
        var events = await reading.Within(s_timeout, "the run's events");

        Assert.Equal("end", events[^1].EventType);
        var states = events.Where(e => e.EventType == "run").Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        Assert.Equal("DELAYED", states[0].GetProperty("status").GetString());
        Assert.Equal("COMPLETED", states[^1].GetProperty("status").GetString());
        Assert.Equal(4, states[^1].GetProperty("output").GetProperty("value").GetInt32());
        var versions = states.Select(s => s.GetProperty("version").GetInt64()).ToList();
        Assert.Equal(versions.Order().Distinct(), versions);

        // Reconnecting after the first event: what came after it comes again (a skipped version is never lost), and the end.
        var resumed = await ReadAsync($"/api/v1/sse/runs/{handle.Id}", lastEventId: events[0].EventId).Within(s_timeout, "the resumed events");
        Assert.Equal("end", resumed[^1].EventType);
        Assert.Equal(versions[^1], JsonDocument.Parse(resumed.Last(e => e.EventType == "run").Data).RootElement.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task ADataStream_EveryChunkOnceInOrder_AndAReconnectGoesOnFromTheNext()
    {
        var handle = await api.Tasks.TriggerAsync("streaming", JsonSerializer.Serialize(new StreamingPayload("sse", Chunks: 6), TaskJson.Options));
        var events = await ReadAsync($"/api/v1/sse/runs/{handle.Id}/streams/text").Within(s_timeout, "the stream's events");
        Assert.Equal("end", events[^1].EventType);
        var chunks = events.Where(e => e.EventType == "chunk").ToList();
        Assert.Equal(["w1", "w2", "w3", "w4", "w5", "w6"], chunks.Select(c => JsonSerializer.Deserialize<string>(c.Data)));
        Assert.Equal(["0", "1", "2", "3", "4", "5"], chunks.Select(c => c.EventId));

        var resumed = await ReadAsync($"/api/v1/sse/runs/{handle.Id}/streams/text", lastEventId: "2").Within(s_timeout, "the resumed stream");
        Assert.Equal(["w4", "w5", "w6"], resumed.Where(e => e.EventType == "chunk").Select(c => JsonSerializer.Deserialize<string>(c.Data)));
    }

    [Fact]
    public async Task RunsWithATag_AndABatch_ArriveToTheirFinalStates()
    {
        var tag = "sse-" + Guid.NewGuid().ToString("N")[..8];
        var runs = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            runs.Add((await api.Tasks.TriggerAsync("echo", $$"""{"value":{{i}}}""", new TriggerOptions { Tags = [tag] })).Id);
        }

        var finals = new HashSet<string>();
        await foreach (var item in StreamAsync($"/api/v1/sse/runs?tags={tag}").Within(s_timeout, "the tagged runs"))
        {
            var run = JsonDocument.Parse(item.Data).RootElement;
            if (run.GetProperty("status").GetString() == "COMPLETED" && finals.Add(run.GetProperty("id").GetString()!) && finals.Count == runs.Count)
            {
                break;
            }
        }

        Assert.Equal(runs.Order(), finals.Order());

        var batch = await api.Tasks.BatchTriggerAsync("echo", [new JsonBatchItem("""{"value":1}"""), new JsonBatchItem("""{"value":2}""")]);
        var batchFinals = new HashSet<string>();
        await foreach (var item in StreamAsync($"/api/v1/sse/batches/{batch.BatchId}").Within(s_timeout, "the batch's runs"))
        {
            var run = JsonDocument.Parse(item.Data).RootElement;
            if (run.GetProperty("status").GetString() == "COMPLETED" && batchFinals.Add(run.GetProperty("id").GetString()!) && batchFinals.Count == 2)
            {
                break;
            }
        }
    }

    [Fact]
    public async Task AnotherRunsToken_CannotFollowARun()
    {
        var mine = await api.Tasks.TriggerAsync("echo", """{"value":1}""");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/sse/runs/{mine.Id}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenForAnotherRunAsync());
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private async Task<string> TokenForAnotherRunAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tasks/echo/trigger") { Content = new StringContent("""{"payload":{"value":2}}""", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.SecretKey);
        using var response = await _http.SendAsync(request);
        return response.Headers.GetValues("x-trigger-jwt").Single();
    }

    private async Task<List<SseItem<string>>> ReadAsync(string path, string? lastEventId = null, TaskCompletionSource? onEvent = null)
    {
        var items = new List<SseItem<string>>();
        await foreach (var item in StreamAsync(path, lastEventId))
        {
            items.Add(item);
            onEvent?.TrySetResult();
        }

        return items;
    }

    private async IAsyncEnumerable<SseItem<string>> StreamAsync(string path, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.SecretKey);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();
        await foreach (var item in SseParser.Create(body).EnumerateAsync())
        {
            yield return item;
        }
    }
}
