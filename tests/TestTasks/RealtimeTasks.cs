namespace OrleansTasks.TestTasks;

/// <summary>
/// Reports progress through metadata, one step at a time (flushed at each, so each is a change a subscriber sees).
/// Each step can wait for the test to release it (<see cref="ProgressPayload.Gated"/>, in-process tests) or make a
/// durable wait (across processes); a burst of flushed increments at the end (after a token, if given) makes many
/// changes quickly.
/// </summary>
public sealed class ProgressTask : TaskDefinition<ProgressPayload, int>
{
    public override string Id => "progress";

    public override async Task<int> RunAsync(ProgressPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        for (var step = 1; step <= payload.Steps; step++)
        {
            context.Metadata.Set("progress", step);
            await context.Metadata.FlushAsync();
            if (payload.Gated)
            {
                await Probe.WhenReleased($"{payload.Key}:{step}").WaitAsync(cancellationToken);
            }

            if (payload.Wait > TimeSpan.Zero)
            {
                await Wait.ForAsync(payload.Wait, cancellationToken);
            }
        }

        if (payload.BurstAfterToken is { } tokenId)
        {
            await Wait.ForTokenAsync<bool>(tokenId, cancellationToken);
        }

        for (var i = 0; i < payload.Burst; i++)
        {
            context.Metadata.Increment("burst");
            await context.Metadata.FlushAsync();
        }

        return payload.Steps;
    }
}

public sealed record ProgressPayload(string Key, int Steps, bool Gated = false, TimeSpan Wait = default, int Burst = 0, string? BurstAfterToken = null);

/// <summary>
/// Streams text in chunks: pipes <see cref="StreamingPayload.Chunks"/> words to the stream "text" (consuming them as
/// they pass), appends to "events" one by one, and optionally to its parent's "children" stream. Can wait between
/// chunks (a durable wait replays the pipe: chunks stored before must not be stored twice) or for a release.
/// </summary>
public sealed class StreamingTask : TaskDefinition<StreamingPayload, string>
{
    public override string Id => "streaming";

    public override async Task<string> RunAsync(StreamingPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        var text = new List<string>();
        await foreach (var word in context.Streams.Pipe("text", Words(payload, cancellationToken), cancellationToken: cancellationToken))
        {
            text.Add(word);
            context.Streams.Append("events", new StreamEvent(text.Count, word));
            if (payload.ToParent)
            {
                context.Streams.Append("children", new StreamEvent(text.Count, word), Streams.StreamTarget.Parent);
            }

            if (payload.WaitAfter == text.Count)
            {
                await Wait.ForAsync(payload.Wait, cancellationToken);
            }
        }

        return string.Join(' ', text);
    }

    private static async IAsyncEnumerable<string> Words(StreamingPayload payload, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 1; i <= payload.Chunks; i++)
        {
            if (payload.Gated && i == payload.Chunks)
            {
                await Probe.WhenReleased($"{payload.Key}:last").WaitAsync(cancellationToken);
            }

            await Task.Yield();
            yield return $"w{i}";
        }
    }
}

public sealed record StreamingPayload(string Key, int Chunks, bool Gated = false, int WaitAfter = 0, TimeSpan Wait = default, bool ToParent = false);

public sealed record StreamEvent(int Index, string Word);

/// <summary>Triggers streaming children that append to this run's "children" stream, and waits for them.</summary>
public sealed class StreamingParentTask(StreamingTask child) : TaskDefinition<int, int>
{
    public override string Id => "streaming-parent";

    public override async Task<int> RunAsync(int payload, TaskContext context, CancellationToken cancellationToken)
    {
        var results = await child.BatchTriggerAndWaitAsync(Enumerable.Range(0, payload).Select(i => new StreamingPayload($"child-{i}", 3, ToParent: true)));
        return results.Count(r => r.IsSuccess);
    }
}

/// <summary>Writes a chunk over the limit, appends to a parent it does not have or to its root, and reports what it was told.</summary>
public sealed class StreamLimitTask : TaskDefinition<string, string>
{
    public override string Id => "stream-limit";

    public override async Task<string> RunAsync(string payload, TaskContext context, CancellationToken cancellationToken)
    {
        try
        {
            if (payload == "root")
            {
                // A root run's root is itself.
                context.Streams.Append("text", "to the root", Streams.StreamTarget.Root);
                await context.Streams.FlushAsync();
            }
            else if (payload == "many")
            {
                // One stream more than a run may have: the refusal comes back when the chunks are sent.
                for (var i = 0; i <= Streams.StreamLimits.MaxStreamsPerRun; i++)
                {
                    context.Streams.Append($"s{i}", i);
                    await context.Streams.FlushAsync();
                }
            }
            else if (payload == "big")
            {
                context.Streams.Append("text", new string('x', Streams.StreamLimits.MaxChunkBytes + 1));
            }
            else if (payload == "parent")
            {
                context.Streams.Append("text", "to nobody", Streams.StreamTarget.Parent);
            }
            else
            {
                context.Streams.Append("bad key!", "x");
            }

            return "accepted";
        }
        catch (OrleansTasksException exception)
        {
            return $"{exception.Code}: {exception.Message}";
        }
    }
}
