namespace OrleansTasks.Listing;

/// <summary>A run's id and the sequence number of its latest stored state (<see cref="TaskRun.Version"/>). Engine wire type.</summary>
[GenerateSerializer, Alias("ot.RunVersion")]
internal readonly record struct RunVersion([property: Id(0)] string Id, [property: Id(1)] long Version);
