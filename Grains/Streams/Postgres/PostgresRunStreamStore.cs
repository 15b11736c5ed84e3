using System.Threading.Channels;
using Npgsql;

namespace OrleansTasks.Streams.Postgres;

/// <summary>
/// The <c>run_stream_segments</c> table: one row per append, its chunks as one JSON array. Appends from every stream on
/// the silo are grouped too: whatever arrived while the previous statement ran goes out as one statement and one commit
/// (the columns sent as arrays and unnested), so a thousand streams writing at once cost a few commits, not a thousand.
/// </summary>
internal sealed class PostgresRunStreamStore : IRunStreamStore, IAsyncDisposable
{
    /// <summary>The most segments one grouped statement carries.</summary>
    private const int MaxRowsPerStatement = 2_000;

    private const string InsertSql = """
        INSERT INTO run_stream_segments (service_id, run_id, stream_key, first_offset, chunk_count, byte_count, source, first_seq, ended, chunks)
        SELECT $1, u.run_id, u.stream_key, u.first_offset, u.chunk_count, u.byte_count, u.source, u.first_seq, u.ended, u.chunks
        FROM unnest($2::text[], $3::text[], $4::bigint[], $5::integer[], $6::bigint[], $7::text[], $8::bigint[], $9::boolean[], $10::text[])
             AS u(run_id, stream_key, first_offset, chunk_count, byte_count, source, first_seq, ended, chunks)
        ON CONFLICT DO NOTHING
        """;

    private const string LoadSql = """
        SELECT coalesce(max(first_offset + chunk_count), 0), coalesce(sum(byte_count), 0), coalesce(bool_or(ended), false), NULL::text, NULL::bigint
        FROM run_stream_segments WHERE service_id = $1 AND run_id = $2 AND stream_key = $3
        UNION ALL
        SELECT NULL, NULL, NULL, source, max(first_seq + chunk_count - 1 + ended::integer)
        FROM run_stream_segments WHERE service_id = $1 AND run_id = $2 AND stream_key = $3
        GROUP BY source
        """;

    // From the segment holding $4 on: the last segment starting at or before it is found backwards through the key.
    private const string ReadSql = """
        SELECT first_offset, ended, chunks FROM run_stream_segments
        WHERE service_id = $1 AND run_id = $2 AND stream_key = $3
          AND first_offset >= coalesce((
              SELECT max(first_offset) FROM run_stream_segments
              WHERE service_id = $1 AND run_id = $2 AND stream_key = $3 AND first_offset <= $4), 0)
        ORDER BY first_offset
        LIMIT $5
        """;

    private const string DeleteSql = """
        WITH gone AS (
            DELETE FROM run_stream_segments
            WHERE ctid = ANY(ARRAY(
                SELECT ctid FROM run_stream_segments
                WHERE service_id = $1 AND created_at < $2
                LIMIT $3
                FOR UPDATE SKIP LOCKED))
            RETURNING chunk_count + ended::integer AS rows)
        SELECT coalesce(sum(rows), 0)::integer FROM gone
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
            if (reader.IsDBNull(3))
            {
                length = reader.GetInt64(0);
                bytes = reader.GetInt64(1);
                ended = reader.GetBoolean(2);
            }
            else
            {
                sources[reader.GetString(3)] = reader.GetInt64(4);
            }
        }

        return new StreamState(length, bytes, ended, sources);
    }

    public async Task<StreamPage> ReadAsync(string runId, string streamKey, long from, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(ReadSql);
        AddKey(command, runId, streamKey);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Max(1, limit / 16) + 2 });
        var chunks = new List<StreamChunk>();
        var ended = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && chunks.Count < limit)
        {
            var offset = reader.GetInt64(0);
            var full = true;
            foreach (var json in StreamSegments.Split(reader.GetString(2)))
            {
                if (offset >= from)
                {
                    if (chunks.Count == limit)
                    {
                        full = false;
                        break;
                    }

                    chunks.Add(new StreamChunk(offset, json));
                }

                offset++;
            }

            if (full && reader.GetBoolean(1))
            {
                ended = true;
                break;
            }
        }

        return new StreamPage([.. chunks], ended);
    }

    public async Task<int> DeleteStoredBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(DeleteSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
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
                rows += 1;
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
        var rows = group.Select(p => p.Rows).ToList();
        await using var command = _dataSource.CreateCommand(InsertSql);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.RunId)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.StreamKey)] });
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.FirstOffset)] });
        parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => r.Chunks.Count)] });
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Bytes)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Source)] });
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.FirstSequence)] });
        parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = [.. rows.Select(r => r.End)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => StreamSegments.Join(r.Chunks))] });
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private sealed class PendingAppend(StreamRows rows)
    {
        public StreamRows Rows { get; } = rows;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
