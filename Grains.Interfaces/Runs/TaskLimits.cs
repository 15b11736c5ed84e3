namespace OrleansTasks;

/// <summary>The limits every call is checked against (Trigger.dev's). Going past one is an error at the call.</summary>
public static class TaskLimits
{
    /// <summary>The largest payload, in bytes of UTF-8 JSON: 3 MB.</summary>
    public const int MaxPayloadBytes = 3 * 1024 * 1024;

    /// <summary>The most items in one batch trigger: 1,000.</summary>
    public const int MaxBatchItems = 1000;

    /// <summary>The most tags on one run: 10.</summary>
    public const int MaxTags = 10;

    /// <summary>The longest tag, in characters: 128.</summary>
    public const int MaxTagLength = 128;

    /// <summary>
    /// What is wrong with a list of tags (a run's, a token's, a subscription's): more than <see cref="MaxTags"/>, or one
    /// empty or longer than <see cref="MaxTagLength"/>; null when nothing is.
    /// </summary>
    internal static string? TagProblem(IReadOnlyList<string?> tags)
    {
        if (tags.Count > MaxTags)
        {
            return $"at most {MaxTags} tags are allowed; {tags.Count} were given";
        }

        foreach (var tag in tags)
        {
            if (string.IsNullOrEmpty(tag) || tag.Length > MaxTagLength)
            {
                var shown = tag is { Length: > 40 } ? tag[..40] + "…" : tag;
                return $"each tag must be 1 to {MaxTagLength} characters; '{shown}' is {tag?.Length ?? 0}";
            }
        }

        return null;
    }

    /// <summary>The longest a run may be delayed: a trigger's <c>Delay</c>, a debounce, a reschedule. 365 days.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(365);

    /// <summary>The shortest maximum duration a task or trigger may set: 5 seconds.</summary>
    public static readonly TimeSpan MinMaxDuration = TimeSpan.FromSeconds(5);

    /// <summary>How many earlier attempts' journals a run keeps (the latest ones): 20.</summary>
    public const int MaxAttemptJournals = 20;

    /// <summary>How many entries of one earlier attempt's journal a run keeps (the first ones): 500.</summary>
    public const int MaxAttemptJournalEntries = 500;
}
