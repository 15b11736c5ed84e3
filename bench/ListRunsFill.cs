using Npgsql;

namespace OrleansTasks.Bench;

/// <summary>
/// Fills the runs table with synthetic runs for one service in a single <c>INSERT … SELECT FROM generate_series</c>,
/// spread the way a busy deployment's month looks: mostly completed, about 1% failed, a few percent unfinished; 20
/// tasks of skewed popularity; a few shared queues; per-user tags, an environment tag and a rare priority tag; 5% in
/// batches of 100; 10% with an idempotency key; created over the last 30 days, in creation order (as a table that
/// grew over time is laid out). Seeded, so every fill is the same but for the creation times, which end now.
/// </summary>
internal static class ListRunsFill
{
    public const string ServiceId = "bench-list";

    /// <summary>Run i has an idempotency key when i is a multiple of this: <c>key-{i}</c>.</summary>
    public const int KeyEvery = 10;

    private const string FillSql = """
        INSERT INTO runs (id, service_id, task_id, status, queue, queue_order, machine, tags, batch_id, parent_run_id, root_run_id,
                          depth, created_at, updated_at, started_at, finished_at, wake_at, owner, version, payload, output, state,
                          concurrency_key, idempotency_key, expires_at)
        SELECT d.id, $2, d.task_id, d.status, d.queue, (extract(epoch FROM d.created_at) * 1000)::bigint, 'small-1x', d.tags,
               d.batch_id, NULL, d.id, 0, d.created_at, d.created_at + interval '2 seconds',
               CASE WHEN d.status NOT IN ('QUEUED', 'DELAYED') THEN d.created_at + interval '100 milliseconds' END,
               CASE WHEN d.final THEN d.created_at + interval '2 seconds' END,
               CASE WHEN d.status IN ('WAITING', 'DELAYED') THEN now() + interval '1 hour' END,
               CASE WHEN NOT d.final AND d.status NOT IN ('WAITING', 'DELAYED') THEN 'bench-silo' END,
               3, json_build_object('orderId', d.i, 'customer', 'customer-' || (d.i % 5000), 'items', json_build_array('sku-1', 'sku-2'), 'note', repeat('x', 120)),
               CASE WHEN d.status = 'COMPLETED' THEN json_build_object('ok', true, 'total', d.i % 997) END,
               json_build_object(
                   'id', d.id, 'taskId', d.task_id, 'queue', d.queue, 'machine', 'Small1x', 'tags', d.tags,
                   'createdAt', d.created_at, 'maxAttempts', 3,
                   'retry', json_build_object('maxAttempts', 3, 'factor', 2, 'minDelay', '00:00:01', 'maxDelay', '00:01:00', 'randomize', true),
                   'attempts', CASE WHEN d.status IN ('QUEUED', 'DELAYED') THEN '[]'::json
                                    ELSE json_build_array(json_build_object('number', 1, 'status', 'Completed', 'startedAt', d.created_at, 'silo', '10.0.0.7:11111@1')) END,
                   'error', CASE WHEN d.status IN ('FAILED', 'CRASHED', 'TIMED_OUT')
                                 THEN json_build_object('type', 'System.InvalidOperationException', 'message', 'the upstream said no (' || d.i || ')') END,
                   'idempotencyKey', CASE WHEN d.i % $3 = 0 THEN 'key-' || d.i END,
                   'idempotencyKeyHash', CASE WHEN d.i % $3 = 0 THEN encode(sha256(convert_to('key-' || d.i, 'UTF8')), 'hex') END,
                   'journal', '[]'::json, 'waiters', '[]'::json),
               CASE WHEN d.i % 7 = 0 THEN 'tenant-' || (d.i % 50) END,
               CASE WHEN d.i % $3 = 0 THEN encode(sha256(convert_to('key-' || d.i, 'UTF8')), 'hex') END,
               NULL
        FROM (SELECT g.i,
                     'run_' || md5(g.i::text || $2) AS id,
                     s.status,
                     s.status IN ('COMPLETED', 'CANCELED', 'FAILED', 'CRASHED', 'SYSTEM_FAILURE', 'EXPIRED', 'TIMED_OUT') AS final,
                     t.task_id,
                     CASE WHEN g.r_queue < 0.1 THEN 'shared-' || (g.i % 5) ELSE t.task_id END AS queue,
                     ARRAY['user:' || (g.i % 10000)]
                       || CASE WHEN g.r_tag < 0.3 THEN ARRAY['env:prod'] ELSE ARRAY[]::text[] END
                       || CASE WHEN g.r_tag > 0.995 THEN ARRAY['priority:high'] ELSE ARRAY[]::text[] END AS tags,
                     CASE WHEN (g.i / 100) % 20 = 0 THEN 'batch_' || (g.i / 100) END AS batch_id,
                     now() - interval '30 days' + (g.i::float8 / $1) * interval '30 days' - g.r_time * interval '10 seconds' AS created_at
              FROM (SELECT i, random() AS r_status, random() AS r_task, random() AS r_queue, random() AS r_tag, random() AS r_time
                    FROM generate_series(1, $1) AS i) AS g
              CROSS JOIN LATERAL (SELECT CASE
                         WHEN g.r_status < 0.900 THEN 'COMPLETED'
                         WHEN g.r_status < 0.910 THEN 'FAILED'
                         WHEN g.r_status < 0.930 THEN 'CANCELED'
                         WHEN g.r_status < 0.933 THEN 'CRASHED'
                         WHEN g.r_status < 0.935 THEN 'TIMED_OUT'
                         WHEN g.r_status < 0.940 THEN 'EXPIRED'
                         WHEN g.r_status < 0.970 THEN 'QUEUED'
                         WHEN g.r_status < 0.980 THEN 'EXECUTING'
                         WHEN g.r_status < 0.995 THEN 'WAITING'
                         ELSE 'DELAYED' END AS status) AS s
              CROSS JOIN LATERAL (SELECT 'task-' || floor(power(g.r_task, 2) * 20)::int AS task_id) AS t) AS d
        """;

    /// <summary>
    /// Replaces the service's runs with <paramref name="rows"/> synthetic ones, then vacuums and analyses the table as
    /// autovacuum would have, all but the last day.
    /// </summary>
    public static async Task FillAsync(NpgsqlDataSource dataSource, int rows)
    {
        await using (var delete = dataSource.CreateCommand("DELETE FROM runs WHERE service_id = $1"))
        {
            delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
            delete.CommandTimeout = 0;
            await delete.ExecuteNonQueryAsync();
        }

        // random() is seeded per session, so the seed and the fill share a connection.
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await using (var seed = new NpgsqlCommand("SELECT setseed(0.42)", connection))
            {
                await seed.ExecuteNonQueryAsync();
            }

            await using var fill = new NpgsqlCommand(FillSql, connection) { CommandTimeout = 0 };
            fill.Parameters.Add(new NpgsqlParameter<int> { TypedValue = rows });
            fill.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
            fill.Parameters.Add(new NpgsqlParameter<int> { TypedValue = KeyEvery });
            await fill.ExecuteNonQueryAsync();
        }

        await using (var vacuum = dataSource.CreateCommand("VACUUM ANALYZE runs"))
        {
            vacuum.CommandTimeout = 0;
            await vacuum.ExecuteNonQueryAsync();
        }

        // A live table's newest pages are still being written (runs start, finish), so vacuum has not yet marked them
        // all-visible and a query reading them visits the rows. The last day's runs are touched to be like that.
        await using var touch = dataSource.CreateCommand("UPDATE runs SET updated_at = updated_at WHERE service_id = $1 AND created_at > now() - interval '1 day'");
        touch.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
        touch.CommandTimeout = 0;
        await touch.ExecuteNonQueryAsync();
    }

    /// <summary>A batch the fill made, from the middle of the series: every 20th hundred of runs is a batch.</summary>
    public static string SomeBatchId(int rows) => "batch_" + (rows / 100 / 2 / 20 * 20);

    /// <summary>An idempotency key the fill gave a run, from the middle of the series.</summary>
    public static string SomeIdempotencyKey(int rows) => "key-" + Math.Max(KeyEvery, rows / 2 / KeyEvery * KeyEvery);
}
