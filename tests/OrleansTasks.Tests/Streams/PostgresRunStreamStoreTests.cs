using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Storage.Postgres;
using OrleansTasks.Streams;
using OrleansTasks.Streams.Postgres;
using OrleansTasks.Tests.Infrastructure;

namespace OrleansTasks.Tests.Streams;

/// <summary>The data-stream store contract through <see cref="PostgresRunStreamStore"/>, plus its grouped writes.</summary>
[Trait("Category", "Postgres")]
public sealed class PostgresRunStreamStoreTests(PostgresDatabase database) : RunStreamStoreContract, IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;
    private PostgresRunStreamStore? _store;

    internal override IRunStreamStore Store => _store!;

    public async ValueTask InitializeAsync()
    {
        PostgresDatabase.SkipUnlessAvailable();
        _dataSource = OrleansTasks.Hosting.SiloBuilderExtensions.CreateRunStoreDataSource(database.ConnectionString);
        await new PostgresMigrator(_dataSource, NullLogger<PostgresMigrator>.Instance).MigrateAsync(CancellationToken.None);
        _store = new PostgresRunStreamStore(_dataSource, "streams-" + Guid.NewGuid().ToString("N")[..8]);
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
    public async Task Append_ManyStreamsAtOnce_AllStored()
    {
        var run = "run_" + Guid.NewGuid().ToString("N");
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Store.AppendAsync(new StreamRows(run, $"s{i}", "s/a1", 1, 0, [.. Enumerable.Range(0, 10).Select(j => $"{j}")], End: i % 2 == 0))));

        foreach (var i in new[] { 0, 1, 199 })
        {
            var page = await Store.ReadAsync(run, $"s{i}", 0, 100);
            Assert.Equal(10, page.Chunks.Length);
            Assert.Equal(i % 2 == 0, page.Ended);
        }
    }

    [Fact]
    public async Task DeleteStoredBefore_RemovesOnlyOlderRows_OfThisService()
    {
        var run = "run_" + Guid.NewGuid().ToString("N");
        await Store.AppendAsync(new StreamRows(run, "text", "s/a1", 1, 0, ["1", "2"], End: false));

        Assert.Equal(0, await Store.DeleteStoredBeforeAsync(DateTimeOffset.UtcNow.AddMinutes(-5), 100));
        Assert.Equal(2, await Store.DeleteStoredBeforeAsync(DateTimeOffset.UtcNow.AddMinutes(5), 100));
        Assert.Empty((await Store.ReadAsync(run, "text", 0, 10)).Chunks);
    }
}
