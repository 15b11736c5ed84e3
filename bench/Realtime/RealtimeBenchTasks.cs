namespace OrleansTasks.Bench.Realtime;

/// <summary>A run with a few visible changes besides its status: it reports progress through metadata twice.</summary>
public sealed class ProgressBenchTask : TaskDefinition<int, int>
{
    public override string Id => "bench-progress";

    public override async Task<int> RunAsync(int payload, TaskContext context, CancellationToken cancellationToken)
    {
        for (var step = 1; step <= payload; step++)
        {
            context.Metadata.Set("progress", step);
            await context.Metadata.FlushAsync();
        }

        return payload;
    }
}

/// <summary>Streams <c>Chunks</c> chunks at <c>RatePerSecond</c>, each stamped with the moment it was made.</summary>
public sealed class StreamBenchTask : TaskDefinition<StreamBenchPayload, int>
{
    public override string Id => "bench-stream";

    public override async Task<int> RunAsync(StreamBenchPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var _ in context.Streams.Pipe("tokens", Chunks(payload), cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }

    private static async IAsyncEnumerable<StreamBenchChunk> Chunks(StreamBenchPayload payload)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < payload.Chunks; i++)
        {
            // Every chunk due by now is made at once; then a pause until the next is due.
            var due = TimeSpan.FromSeconds((double)i / payload.RatePerSecond);
            var late = System.Diagnostics.Stopwatch.GetElapsedTime(started) - due;
            if (late < TimeSpan.Zero)
            {
                await Task.Delay(-late < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : -late);
            }

            yield return new StreamBenchChunk(i, DateTime.UtcNow.Ticks);
        }
    }
}

public sealed record StreamBenchPayload(int Chunks, int RatePerSecond);

/// <summary>A chunk: its number and when it was made (UTC ticks; the reader is a process on the same machine).</summary>
public sealed record StreamBenchChunk(int Index, long MadeAt);
