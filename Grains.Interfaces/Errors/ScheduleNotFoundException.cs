namespace OrleansTasks;

/// <summary>No schedule has the given id.</summary>
[GenerateSerializer, Alias("ot.ScheduleNotFoundException")]
public sealed class ScheduleNotFoundException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.ScheduleNotFound;

    /// <summary>Creates the exception.</summary>
    public ScheduleNotFoundException(string scheduleId)
        : base($"No schedule with id '{scheduleId}' exists.")
    {
        ScheduleId = scheduleId;
    }

    /// <summary>The schedule id that was asked for.</summary>
    [Id(0)]
    public string ScheduleId { get; init; }
}
