namespace OrleansTasks.Tests.Infrastructure;

/// <summary>A fresh database, silo processes on it, and a client that finds them through it.</summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly List<SiloProcess> _silos = [];
    private readonly IDictionary<string, string>? _settings;
    private PostgresClusterClient? _client;

    private PostgresCluster(PostgresDatabase database, IDictionary<string, string>? settings)
    {
        Database = database;
        _settings = settings;
    }

    public PostgresDatabase Database { get; }

    public string ServiceId { get; } = "test-" + Guid.NewGuid().ToString("N")[..8];

    public IReadOnlyList<SiloProcess> Silos => _silos;

    public ITaskClient Tasks => (_client ?? throw new InvalidOperationException("No client yet.")).Tasks;

    /// <summary>Starts <paramref name="silos"/> silo processes at the same moment on a new database, then a client.</summary>
    public static async Task<PostgresCluster> StartAsync(int silos, IDictionary<string, string>? settings = null)
    {
        var cluster = new PostgresCluster(await PostgresDatabase.CreateAsync(), settings);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, silos).Select(_ => cluster.StartSiloAsync()));
            cluster._client = await PostgresClusterClient.ConnectAsync(cluster.Database.ConnectionString, cluster.ServiceId, waitForSilo: silos > 0);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more silo process, with the cluster's settings and then <paramref name="extra"/> over them.</summary>
    public async Task<SiloProcess> StartSiloAsync(IDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>(_settings ?? new Dictionary<string, string>());
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        var silo = await SiloProcess.StartAsync(Database.ConnectionString, ServiceId, settings);
        lock (_silos)
        {
            _silos.Add(silo);
        }

        return silo;
    }

    /// <summary>Everything the silos wrote, for a failure message.</summary>
    public string Output => string.Join(Environment.NewLine + "----" + Environment.NewLine, _silos.Select(s => s.Output));

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await Database.DisposeAsync();
    }
}
