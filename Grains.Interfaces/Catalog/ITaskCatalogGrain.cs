namespace OrleansTasks.Catalog;

/// <summary>
/// The tasks registered on the silos, read where the task classes are loaded (a stateless worker on the silo that
/// serves the call): their options, their payload's schema, and a check of a payload against its type's rules.
/// </summary>
[Alias("ot.ITaskCatalogGrain")]
internal interface ITaskCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Every registered task, ordered by id.</summary>
    [Alias("list")]
    Task<IReadOnlyList<TaskInfo>> ListAsync();

    /// <summary>
    /// What is wrong with <paramref name="payloadJson"/> as the payload of <paramref name="taskId"/>: not JSON, not of the
    /// payload type's shape, or breaking its validation rules. Empty when it would be accepted.
    /// </summary>
    /// <exception cref="UnknownTaskException">No task has that id.</exception>
    [Alias("check")]
    Task<IReadOnlyList<string>> CheckPayloadAsync(string taskId, string payloadJson);
}
