namespace OrleansTasks.Listing;

/// <summary>The checks a <see cref="RunFilter"/> must pass, on the client before any call and again on the silo.</summary>
internal static class RunFilterValidation
{
    /// <exception cref="InvalidRequestException">A criterion is out of range; the message names it and says what to do.</exception>
    public static void Validate(RunFilter filter, string parameterName = "filter")
    {
        ArgumentNullException.ThrowIfNull(filter, parameterName);
        if (filter.PageSize is < 1 or > RunFilter.MaxPageSize)
        {
            throw new InvalidRequestException(
                $"RunFilter.PageSize is {filter.PageSize}; it must be between 1 and {RunFilter.MaxPageSize:N0} (default {RunFilter.DefaultPageSize}).", parameterName);
        }

        if (filter.From is { } from && filter.To is { } to && from >= to)
        {
            throw new InvalidRequestException(
                $"RunFilter.From ({from:O}) is not before RunFilter.To ({to:O}); From is inclusive and To exclusive, so no run could match.", parameterName);
        }

        foreach (var status in filter.Statuses ?? [])
        {
            if (!Enum.IsDefined(status))
            {
                throw new InvalidRequestException($"RunFilter.Statuses holds {(int)status}, which is not a run status.", parameterName);
            }
        }

        CheckValues(filter.TaskIds, nameof(RunFilter.TaskIds), parameterName);
        CheckValues(filter.Tags, nameof(RunFilter.Tags), parameterName);
        CheckValues(filter.Queues, nameof(RunFilter.Queues), parameterName);
        if (filter.ParentRunId is { Length: 0 })
        {
            throw new InvalidRequestException("RunFilter.ParentRunId is empty; leave it null to match runs of any parent.", parameterName);
        }

        if (filter.RootRunId is { Length: 0 })
        {
            throw new InvalidRequestException("RunFilter.RootRunId is empty; leave it null to match runs of any tree.", parameterName);
        }

        if (filter.ScheduleId is { Length: 0 })
        {
            throw new InvalidRequestException("RunFilter.ScheduleId is empty; leave it null to match runs of any schedule.", parameterName);
        }

        if (filter.BatchId is { Length: 0 })
        {
            throw new InvalidRequestException("RunFilter.BatchId is empty; leave it null to match runs of any batch.", parameterName);
        }

        if (filter.IdempotencyKey is { } key && (key.Length == 0 || key.Length > IdempotencyKeys.MaxKeyLength))
        {
            throw new InvalidRequestException(
                $"RunFilter.IdempotencyKey must be 1 to {IdempotencyKeys.MaxKeyLength:N0} characters (null matches any run); it is {key.Length:N0}.", parameterName);
        }
    }

    private static void CheckValues(IReadOnlyList<string>? values, string criterion, string parameterName)
    {
        if (values is not null && values.Any(string.IsNullOrEmpty))
        {
            throw new InvalidRequestException($"RunFilter.{criterion} holds a null or empty value; give only non-empty values (or leave {criterion} null to match all).", parameterName);
        }
    }
}
