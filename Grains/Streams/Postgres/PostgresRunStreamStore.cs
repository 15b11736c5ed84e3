using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;

namespace OrleansTasks.Streams.Postgres;

/// <summary>
/// The <c>run_stream_chunks</c> table. Appends from every stream on the silo are grouped: whatever arrived while the
/// previous statement ran goes out as one statement and one commit (the columns sent as arrays and unnested), so a
/// thousand streams writing at once cost a few commits, not a thousand.
/// </summary>
internal sealed class PostgresRunStreamStore : IRunStreamStore, IAsyncDisposable
{
    /// <summary>The most rows one grouped statement carries.</summary>
    private const int MaxRowsPerStatement = 20_000;

    private const string InsertSql = """
        INSERT INTO run_stream_chunks (service_id, run_id, stream_key, chunk_offset, source, source_seq, chunk)
        SELECT $1, u.run_id, u.stream_key, u.chunk_offset, u.source, u.source_seq, u.chunk
        FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[])
             AS u(run_id, stream_key, chunk_offset, source, source_seq, chunk)
        ON CONFLICT DO NOTHING
        """;

    private const string LoadSql = """
        SELECT count(chunk), coalesce(max(chunk_offset) FILTER (WHERE chunk IS NOT NULL), -1), coalesce(sum(octet_length(chunk)), 0),
               bool_or(chunk IS NULL), NULL::text, NULL::bigint
        FROM run_stream_chunks WHERE service_id = $1 AND run_id = $2 AND stream_key = $3
        UNION ALL
        SELECT NULL, NULL, NULL, NULL, source, max(source_seq)
        FROM run_stream_chunks WHERE service_id = $1 AND run_id = $2 AND stream_key = $3
        GROUP BY source
        """;

    private const string ReadSql = """
        SELECT chunk_offset, chunk FROM run_stream_chunks
        WHERE service_id = $1 AND run_id = $2 AND stream_key = $3 AND chunk_offset >= $4
        ORDER BY chunk_offset
        LIMIT $5
        """;

    private const string DeleteSql = """
        DELETE FROM run_stream_chunks
        WHERE ctid = ANY(ARRAY(
            SELECT ctid FROM run_stream_chunks
            WHERE service_id = $1 AND created_at < $2
            LIMIT $3
            FOR UPDATE SKIP LOCKED))
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _serviceId;
    private readonly Channel<PendingAppend> _appends = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writing;

    public PostgresRunStreamStore(NpgsqlDataSource dataSource, string serviceId)
    {
        _dataSource = dataSource;
        _serviceId = serviceId;
        _writing = Task.Run(WriteLoopAsync);
    }

    public Task AppendAsync(StreamRows rows, CancellationToken cancellationToken = default)
    {
        var pending = new PendingAppend(rows);
        if (!_appends.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(PostgresRunStreamStore), "The stream store is shutting down.");
        }

        return pending.Completion.Task;
    }

    public async Task<StreamState> LoadAsync(string runId, string streamKey, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(LoadSql);
        AddKey(command, runId, streamKey);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        long length = 0, bytes = 0;
        var ended = false;
        var sources = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.IsDBNull(4))
            {
                length = reader.GetInt64(1) + 1;
                bytes = reader.GetInt64(2);
                ended = !reader.IsDBNull(3) && reader.GetBoolean(3);
            }
            else
            {
                sources[reader.GetString(4)] = reader.GetInt64(5);
            }
        }

        return new StreamState(length, bytes, ended, sources);
    }

    public async Task<StreamPage> ReadAsync(string runId, string streamKey, long from, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(ReadSql);
        AddKey(command, runId, streamKey);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
        var chunks = new List<StreamChunk>();
        var ended = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.IsDBNull(1))
            {
                ended = true;
                break;
            }

            if (chunks.Count == limit)
            {
                break;
            }

            chunks.Add(new StreamChunk(reader.GetInt64(0), reader.GetString(1)));
        }

        return new StreamPage([.. chunks], ended);
    }

    public async Task<int> DeleteStoredBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(DeleteSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _appends.Writer.TryComplete();
        await _writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void AddKey(NpgsqlCommand command, string runId, string streamKey)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamKey });
    }

    private async Task WriteLoopAsync()
    {
        var reader = _appends.Reader;
        var group = new List<PendingAppend>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var rows = 0;
            while (rows < MaxRowsPerStatement && reader.TryRead(out var pending))
            {
                group.Add(pending);
                rows += pending.Rows.Chunks.Count + 1;
            }

            try
            {
                await InsertAsync(group).ConfigureAwait(false);
                group.ForEach(p => p.Completion.TrySetResult());
            }
            catch (Exception exception)
            {
                group.ForEach(p => p.Completion.TrySetException(exception));
            }

            group.Clear();
        }
    }

    private async Task InsertAsync(List<PendingAppend> group)
    {
        var runIds = new List<string>();
        var keys = new List<string>();
        var offsets = new List<long>();
        var sources = new List<string>();
        var sequences = new List<long>();
        var chunks = new List<string?>();
        foreach (var rows in group.Select(p => p.Rows))
        {
            var count = rows.Chunks.Count + (rows.End ? 1 : 0);
            for (var i = 0; i < count; i++)
            {
                runIds.Add(rows.RunId);
                keys.Add(rows.StreamKey);
                offsets.Add(rows.FirstOffset + i);
                sources.Add(rows.Source);
                sequences.Add(rows.FirstSequence + i);
                chunks.Add(i < rows.Chunks.Count ? rows.Chunks[i] : null);
            }
        }

        await using var command = _dataSource.CreateCommand(InsertSql);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. runIds] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keys] });
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. offsets] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. sources] });
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. sequences] });
        parameters.Add(new NpgsqlParameter { Value = chunks.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private sealed class PendingAppend(StreamRows rows)
    {
        public StreamRows Rows { get; } = rows;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
