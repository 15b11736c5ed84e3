using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Storage;
using OrleansTasks.Storage.Postgres;
using OrleansTasks.Tests.Infrastructure;

namespace OrleansTasks.Tests.Listing;

/// <summary>The listing contract through <see cref="PostgresRunStore"/>, each test under a service id of its own.</summary>
[Trait("Category", "Postgres")]
public sealed class PostgresRunStoreListingTests(PostgresDatabase database) : RunStoreListingContract, IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;
    private PostgresRunStore? _store;

    internal override IRunStore Store => _store!;

    public async ValueTask InitializeAsync()
    {
        PostgresDatabase.SkipUnlessAvailable();

        // The run store's own data source, which prepares statements, as a silo has it.
        _dataSource = OrleansTasks.Hosting.SiloBuilderExtensions.CreateRunStoreDataSource(database.ConnectionString);
        await new PostgresMigrator(_dataSource, NullLogger<PostgresMigrator>.Instance).MigrateAsync(CancellationToken.None);
        _store = NewStore("listing-" + Guid.NewGuid().ToString("N")[..8]);
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    [Fact]
    public async Task ListAsync_AnotherServicesRuns_NeverListed()
    {
        var mine = await SeedAsync(3, (_, s) => s.Tags = ["shared"]);
        await using var other = NewStore("other-" + Guid.NewGuid().ToString("N")[..8]);
        var theirs = RunRow.From(mine[0]) with { Id = OrleansTasks.Runs.RunIds.NewRunId(DateTimeOffset.UtcNow) };
        Assert.True(await other.TryInsertAsync(theirs));

        var listedByMe = await Store.ListAsync(new RunFilter { Tags = ["shared"] }, null, 100);
        var listedByThem = await other.ListAsync(new RunFilter(), null, 100);

        Assert.Equal(Expected(mine), listedByMe.Select(r => r.Id));
        Assert.Equal(theirs.Id, Assert.Single(listedByThem).Id);
    }

    [Fact]
    public async Task ListAsync_SameFilterManyTimes_StaysCorrectOncePrepared()
    {
        // Prepared statements switch to a generic plan after a few executions; the answers must not change with it.
        var runs = await SeedAsync(12, (i, s) => s.TaskId = $"prepared-{i % 3}");

        for (var i = 0; i < 8; i++)
        {
            var taskId = $"prepared-{i % 3}";
            var page = await Store.ListAsync(new RunFilter { TaskIds = [taskId] }, null, 100);
            Assert.Equal(Expected(runs.Where(r => r.TaskId == taskId)), page.Select(r => r.Id));
        }
    }

    private PostgresRunStore NewStore(string serviceId) => new(_dataSource!, serviceId, NullLogger<PostgresRunStore>.Instance);
}
