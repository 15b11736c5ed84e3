using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Logs;
using OrleansTasks.Logs.Postgres;
using OrleansTasks.Storage.Postgres;
using OrleansTasks.Tests.Infrastructure;

namespace OrleansTasks.Tests.Logs;

/// <summary>The run log store contract through <see cref="PostgresRunLogStore"/>, each test under a service id of its own.</summary>
[Trait("Category", "Postgres")]
public sealed class PostgresRunLogStoreTests(PostgresDatabase database) : RunLogStoreContract, IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;
    private PostgresRunLogStore? _store;

    internal override IRunLogStore Store => _store!;

    public async ValueTask InitializeAsync()
    {
        PostgresDatabase.SkipUnlessAvailable();

        // The run store's own data source, which prepares statements, as a silo has it.
        _dataSource = OrleansTasks.Hosting.SiloBuilderExtensions.CreateRunStoreDataSource(database.ConnectionString);
        await new PostgresMigrator(_dataSource, NullLogger<PostgresMigrator>.Instance).MigrateAsync(CancellationToken.None);
        _store = NewStore("logs-" + Guid.NewGuid().ToString("N")[..8]);
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    [Fact]
    public async Task AppendAsync_TwoServicesOneRunId_NeitherListsNorDeletesTheOthers()
    {
        var other = NewStore("other-" + Guid.NewGuid().ToString("N")[..8]);
        var runId = NewRunId();
        var mine = Entry(runId, 1, "0:1", "mine", at: Base.AddDays(-10));
        var theirs = Entry(runId, 1, "0:1", "theirs", at: Base.AddDays(-10));

        await Store.AppendAsync([mine]);
        await other.AppendAsync([theirs]);
        AssertEntries([mine], await Store.ListAsync(runId, 100));
        AssertEntries([theirs], await other.ListAsync(runId, 100));

        Assert.Equal(1, await Store.DeleteOlderThanAsync(Base, 100));
        Assert.Empty(await Store.ListAsync(runId, 100));
        AssertEntries([theirs], await other.ListAsync(runId, 100));
    }

    [Fact]
    public async Task AppendAsync_NulAndLoneSurrogates_StoredWithReplacementCharacters()
    {
        // PostgreSQL refuses both in text and jsonb; one such line must not fail the batch it is written in.
        var runId = NewRunId();
        var bad = Entry(runId, 1, "0:1", "a\0b\uD800c 🚀") with
        {
            Properties = new Dictionary<string, string?> { ["Key\0"] = "value\uDC00", ["Fine"] = "🚀" },
            Exception = "at\0here",
        };
        var good = Entry(runId, 1, "0:2");

        await Store.AppendAsync([bad, good]);

        var stored = await Store.ListAsync(runId, 100);
        Assert.Equal(2, stored.Count);
        Assert.Equal("a\uFFFDb\uFFFDc 🚀", stored[0].Message);
        Assert.Equal("at\uFFFDhere", stored[0].Exception);
        Assert.Equal("value\uFFFD", stored[0].Properties["Key\uFFFD"]);
        Assert.Equal("🚀", stored[0].Properties["Fine"]);
    }

    [Fact]
    public async Task ListAsync_SameQueryManyTimes_StaysCorrectOncePrepared()
    {
        // Prepared statements switch to a generic plan after a few executions; the answers must not change with it.
        var runs = Enumerable.Range(0, 3).Select(_ => NewRunId()).ToList();
        var entries = Enumerable.Range(0, 30).Select(i => Entry(runs[i % 3], 1, $"0:{i}")).ToList();
        await Store.AppendAsync(entries);

        for (var i = 0; i < 9; i++)
        {
            var runId = runs[i % 3];
            AssertEntries(entries.Where(e => e.RunId == runId).ToList(), await Store.ListAsync(runId, 100));
        }
    }

    private PostgresRunLogStore NewStore(string serviceId) => new(_dataSource!, serviceId);
}
