using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using OrleansTasks.Web.Dashboard.Shared;

namespace OrleansTasks.Web.Dashboard.Runs;

/// <summary>The runs page's filters: read from the page's address, edited in its form, and written back to an address.</summary>
internal sealed class RunsFilterForm
{
    public string? Status { get; set; }

    public string? Task { get; set; }

    public string? Tag { get; set; }

    public string? Queue { get; set; }

    public string? Schedule { get; set; }

    public string? Batch { get; set; }

    /// <summary>UTC, as the datetime-local inputs show it.</summary>
    public DateTime? From { get; set; }

    public DateTime? To { get; set; }

    public void Read(RunsPage page)
    {
        Status = page.Status;
        Task = page.Task;
        Tag = page.Tag;
        Queue = page.Queue;
        Schedule = page.Schedule;
        Batch = page.Batch;
        From = ParseTime(page.From);
        To = ParseTime(page.To);
    }

    /// <summary>The filter for the run store; values it refuses come back as its clear error when listed.</summary>
    public RunFilter ToFilter(int pageSize) => new()
    {
        Statuses = Enum.GetValues<RunStatus>().Where(s => s.ToWireName() == Status).ToList() is { Count: 1 } statuses ? statuses : null,
        TaskIds = FormText.Value(Task) is { } task ? [task] : null,
        Tags = FormText.Value(Tag) is { } tag ? [tag] : null,
        Queues = FormText.Value(Queue) is { } queue ? [queue] : null,
        ScheduleId = FormText.Value(Schedule),
        BatchId = FormText.Value(Batch),
        From = From is { } from ? new DateTimeOffset(DateTime.SpecifyKind(from, DateTimeKind.Utc)) : null,
        To = To is { } to ? new DateTimeOffset(DateTime.SpecifyKind(to, DateTimeKind.Utc)) : null,
        PageSize = pageSize,
    };

    public string Url(string? after)
    {
        var query = new Dictionary<string, string?>
        {
            ["status"] = FormText.Value(Status),
            ["task"] = FormText.Value(Task),
            ["tag"] = FormText.Value(Tag),
            ["queue"] = FormText.Value(Queue),
            ["schedule"] = FormText.Value(Schedule),
            ["batch"] = FormText.Value(Batch),
            ["from"] = From?.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture),
            ["to"] = To?.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture),
            ["after"] = after,
        };
        return QueryHelpers.AddQueryString("/dashboard", query.Where(p => p.Value is not null)!);
    }


    private static DateTime? ParseTime(string? text) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value) ? value : null;
}
