using System.Runtime.CompilerServices;
using OrleansTasks;

namespace OrleansTasks.Silo.SampleTasks;

/// <summary>
/// Writes a short story a word at a time, as a language model streams tokens: the words go to the run's data stream
/// "story" as they are made, and the run's metadata says how far it has got. A service follows both live with
/// <c>Runs.SubscribeToRunWithStreamsAsync</c> (see <see cref="SampleRunsOnStart"/>).
/// </summary>
public sealed class WriteStoryTask : TaskDefinition<StoryPayload, StoryOutput>
{
    private static readonly string[] s_words =
        "Once upon a time a small silo kept a promise: every run it accepted would finish, even when its neighbours fell over in the night.".Split(' ');

    public override string Id => "write-story";

    public override async Task<StoryOutput> RunAsync(StoryPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        context.Metadata.Set("status", "writing").Set("progress", 0.0);
        var written = 0;
        await foreach (var word in context.Streams.Pipe("story", Words(payload.WordDelay, cancellationToken), cancellationToken: cancellationToken))
        {
            written++;
            context.Metadata.Set("progress", Math.Round((double)written / s_words.Length, 2));
        }

        context.Metadata.Set("status", "done");
        return new StoryOutput(written);
    }

    private static async IAsyncEnumerable<string> Words(TimeSpan delay, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < s_words.Length; i++)
        {
            await Task.Delay(delay, cancellationToken);
            yield return i == 0 ? s_words[i] : " " + s_words[i]; // as a model's tokens come: each with the space before it
        }
    }
}

public sealed record StoryPayload(TimeSpan WordDelay);

public sealed record StoryOutput(int Words);
