using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using OrleansTasks.Listing;

namespace OrleansTasks.Storage.Postgres;

/// <summary>
/// The SQL of one page of a run listing. Only the criteria a filter sets become clauses, each from a fixed fragment with
/// its values as parameters: a statement per shape of filter lets the planner pick the index that shape needs (a
/// catch-all <c>($1 IS NULL OR …)</c> statement gets one generic plan for every shape once it is prepared).
/// </summary>
/// <remarks>
/// A status filter never reads the <c>status</c> column through an index: no index holds <c>status</c>, so a status
/// change stays a HOT update (see migration 0008). Final statuses are found through <c>final_status</c>, a column
/// the database derives from <c>status</c> that only changes once, when the run ends; the others through the small
/// index of unfinished runs, with <c>status</c> checked on the row.
/// </remarks>
internal sealed class RunListQuery
{
    // The page is chosen by id alone, so the JSON state is read (and parsed) only for the runs returned.
    private const string Select = """
        SELECT r.id, r.task_id, r.status, r.queue, r.concurrency_key, r.machine, r.tags, r.batch_id, r.parent_run_id,
               r.root_run_id, r.depth, r.created_at, r.updated_at, r.started_at, r.finished_at,
               r.state->>'idempotencyKey', json_array_length(r.state->'attempts'), r.state->>'replayOf', r.state->'error'->>'message',
               r.state->>'metadataJson', r.schedule_id
        FROM (SELECT id, created_at FROM runs
              WHERE service_id = $1
        """;

    private readonly StringBuilder _sql = new(Select);
    private readonly List<NpgsqlParameter> _parameters = [];

    private RunListQuery(string serviceId)
    {
        // The opening text already names $1.
        Add(serviceId);
    }

    public static NpgsqlBatchCommand Create(string serviceId, RunFilter filter, RunCursor? after, int limit)
    {
        var query = new RunListQuery(serviceId);
        query.AddStatuses(filter.Statuses);
        query.AddAnyOf("task_id", filter.TaskIds);
        query.AddAnyOf("queue", filter.Queues);
        if (filter.Tags is { Count: > 0 } tags)
        {
            query.Where("tags && {0}", tags.ToArray());
        }

        if (filter.BatchId is { } batchId)
        {
            query.Where("batch_id = {0}", batchId);
        }

        if (filter.ScheduleId is { } scheduleId)
        {
            // runs_schedule holds only the runs a schedule made; the condition names its predicate so the planner can use it.
            query.Where("schedule_id = {0} AND schedule_id IS NOT NULL", scheduleId);
        }

        if (filter.ParentRunId is { } parentRunId)
        {
            query.Where("parent_run_id = {0}", parentRunId);
        }

        if (filter.RootRunId is { } rootRunId)
        {
            // runs_root holds the runs that have a parent; the condition names its predicate so the planner can use it.
            query.Where("root_run_id = {0} AND parent_run_id IS NOT NULL", rootRunId);
        }

        if (filter.From is { } from)
        {
            query.Where("created_at >= {0}", from.UtcDateTime);
        }

        if (filter.To is { } to)
        {
            query.Where("created_at < {0}", to.UtcDateTime);
        }

        if (filter.IdempotencyKey is { } key)
        {
            query.Where("idempotency_key = ANY({0})", StoredIdempotencyKeys.For(key));
        }

        if (after is not null)
        {
            query.Where("(created_at, id) < ({0}, {1})", after.CreatedAt.UtcDateTime, after.Id);
        }

        query._sql.Append("\n      ORDER BY created_at DESC, id DESC\n      LIMIT ").Append(query.Add(limit));
        query._sql.Append(") AS page\nJOIN runs AS r ON r.id = page.id\nORDER BY page.created_at DESC, page.id DESC");

        var command = new NpgsqlBatchCommand(query._sql.ToString());
        foreach (var parameter in query._parameters)
        {
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private void AddStatuses(IReadOnlyList<RunStatus>? statuses)
    {
        if (statuses is not { Count: > 0 })
        {
            return;
        }

        var final = statuses.Where(s => s.IsFinal()).Select(RunStatusExtensions.ToWireName).Distinct().ToArray();
        var unfinished = statuses.Where(s => !s.IsFinal()).Select(RunStatusExtensions.ToWireName).Distinct().ToArray();
        if (unfinished.Length == 0)
        {
            AddAnyOf("final_status", final);
        }
        else if (final.Length == 0)
        {
            // Spelled out so the planner can use the partial index of unfinished runs.
            Where("final_status IS NULL");
            AddAnyOf("status", unfinished);
        }
        else
        {
            Where("(final_status = ANY({0}) OR (final_status IS NULL AND status = ANY({1})))", final, unfinished);
        }
    }

    /// <summary>
    /// One value is compared with <c>=</c>: an <c>= ANY</c> on an index column after the first makes PostgreSQL treat
    /// the index as unordered, and sort every match instead of reading the newest few in index order.
    /// </summary>
    private void AddAnyOf(string column, IReadOnlyList<string>? values)
    {
        if (values is not { Count: > 0 })
        {
            return;
        }

        var distinct = values.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length == 1)
        {
            Where(column + " = {0}", distinct[0]);
        }
        else
        {
            Where(column + " = ANY({0})", distinct);
        }
    }

    /// <summary>
    /// Appends <c>AND</c> and a clause: <paramref name="clause"/> is a fixed fragment of this class, whose <c>{0}</c> and
    /// <c>{1}</c> become the parameters that carry <paramref name="first"/> and <paramref name="second"/>. Values never
    /// enter the SQL text.
    /// </summary>
    private void Where(string clause, object? first = null, object? second = null)
    {
        var placeholders = new[] { first, second }.OfType<object>().Select(Add).ToArray();
        _sql.Append("\n        AND ").Append(string.Format(CultureInfo.InvariantCulture, clause, placeholders));
    }

    /// <summary>Adds a parameter; returns its placeholder, <c>$n</c>.</summary>
    private string Add(object value)
    {
        _parameters.Add(value switch
        {
            string[] texts => new NpgsqlParameter { Value = texts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            string text => new NpgsqlParameter { Value = text, NpgsqlDbType = NpgsqlDbType.Text },
            DateTime time => new NpgsqlParameter { Value = time, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            int number => new NpgsqlParameter { Value = number, NpgsqlDbType = NpgsqlDbType.Integer },
            _ => throw new ArgumentException($"No parameter mapping for {value.GetType()}.", nameof(value)),
        });
        return "$" + _parameters.Count.ToString(CultureInfo.InvariantCulture);
    }
}
