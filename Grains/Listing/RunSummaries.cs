using OrleansTasks.Storage;

namespace OrleansTasks.Listing;

/// <summary>Builds the <see cref="RunSummary"/> of a stored run.</summary>
internal static class RunSummaries
{
    public static RunSummary From(RunRow row)
    {
        var state = row.ToState();
        return new RunSummary
        {
            Id = row.Id,
            TaskId = row.TaskId,
            Status = row.RunStatus,
            Queue = row.Queue,
            ConcurrencyKey = row.ConcurrencyKey,
            Machine = MachinePresetNames.Parse(row.Machine),
            Tags = [.. row.Tags],
            BatchId = row.BatchId,
            ParentRunId = row.ParentRunId,
            RootRunId = row.RootRunId ?? row.Id,
            Depth = row.Depth,
            IdempotencyKey = state.IdempotencyKey,
            CreatedAt = row.CreatedAt,
            UpdatedAt = row.UpdatedAt,
            StartedAt = row.StartedAt,
            FinishedAt = row.FinishedAt,
            AttemptCount = state.Attempts.Count,
            ReplayOf = state.ReplayOf,
            ErrorMessage = state.Error?.Message,
            MetadataJson = state.MetadataJson,
            ScheduleId = row.ScheduleId,
        };
    }
}
