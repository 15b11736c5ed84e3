using Microsoft.Extensions.Logging;
using OrleansTasks.Hosting;

namespace OrleansTasks.Storage.Postgres;

/// <summary>Before anything else starts: the database exists (created if missing and allowed), and its schema is this build's.</summary>
internal sealed class MigrationParticipant(PostgresMigrator migrator, RunStoreDataSource source, ILogger<MigrationParticipant> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MigrationParticipant), ServiceLifecycleStage.First, async cancellationToken =>
        {
            await DatabaseCreator.EnsureExistsAsync(source.ConnectionString, logger, cancellationToken).ConfigureAwait(false);
            await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
        });
}
