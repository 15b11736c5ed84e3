namespace OrleansTasks.Storage.Postgres;

/// <summary>Applies the database migrations before anything else in the silo touches the database.</summary>
internal sealed class MigrationParticipant(PostgresMigrator migrator) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MigrationParticipant), ServiceLifecycleStage.First, migrator.MigrateAsync);
}
