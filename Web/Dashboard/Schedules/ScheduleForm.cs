using OrleansTasks.Web.Dashboard.Shared;

namespace OrleansTasks.Web.Dashboard.Schedules;

/// <summary>The schedules page's form: what a person types, turned into the client's create and update options.</summary>
internal sealed class ScheduleForm
{
    public string? Task { get; set; }

    public string? Cron { get; set; }

    public string? Timezone { get; set; }

    public string? DeduplicationKey { get; set; }

    public string? ExternalId { get; set; }

    /// <summary>The schedule being edited: its policies, which the form does not show, are kept as they are.</summary>
    private Schedule? _original;

    public void From(Schedule schedule)
    {
        _original = schedule;
        Task = schedule.Task;
        Cron = schedule.Generator.Expression;
        Timezone = schedule.Timezone;
        DeduplicationKey = schedule.DeduplicationKey;
        ExternalId = schedule.ExternalId;
    }

    public void Clear()
    {
        Task = Cron = Timezone = DeduplicationKey = ExternalId = null;
        _original = null;
    }

    /// <exception cref="InvalidRequestException">A required field is empty.</exception>
    public CreateScheduleOptions ToCreate() => new()
    {
        Task = Required(Task, "Task"),
        Cron = Required(Cron, "Cron"),
        Timezone = FormText.Value(Timezone),
        DeduplicationKey = Required(DeduplicationKey, "Deduplication key"),
        ExternalId = FormText.Value(ExternalId),
    };

    public UpdateScheduleOptions ToUpdate() => new()
    {
        Task = Required(Task, "Task"),
        Cron = Required(Cron, "Cron"),
        Timezone = FormText.Value(Timezone),
        ExternalId = FormText.Value(ExternalId),
        Window = _original?.Window,
        MissedOccurrences = _original?.MissedOccurrences ?? default,
        CatchUpWindow = _original?.CatchUpWindow,
        Overlap = _original?.Overlap ?? default,
    };


    private static string Required(string? value, string field) =>
        FormText.Value(value) ?? throw new InvalidRequestException($"{field}: required.", field);
}
