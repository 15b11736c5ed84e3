-- Run logs: the lines task code writes through context.Logger, one row each, written in batches by each silo's log
-- writer. Scoped by service_id as runs are, so services sharing a database never see each other's logs.
-- A replay of an attempt writes its lines again under the same keys; the primary key makes the second write a no-op
-- (ON CONFLICT DO NOTHING), so the first write of a line wins and no line is shown twice. No foreign key to runs: a
-- log line may be stored before its run's row is committed (the two are group-committed separately).
CREATE TABLE run_logs
(
    service_id text        NOT NULL,
    run_id     text        NOT NULL,
    attempt    integer     NOT NULL,
    key        text        NOT NULL,
    -- The order lines were stored in, which is the order a run's lines are listed in; timestamps can tie.
    id         bigint      GENERATED ALWAYS AS IDENTITY,
    level      smallint    NOT NULL,
    message    text        NOT NULL,
    properties jsonb       NOT NULL DEFAULT '{}',
    exception  text,
    trace_id   text,
    span_id    text,
    logged_at  timestamptz NOT NULL,
    PRIMARY KEY (service_id, run_id, attempt, key)
);

-- Runs.GetLogsAsync: a run's lines in the order stored, the first rows of one index range.
CREATE INDEX run_logs_run ON run_logs (service_id, run_id, id);

-- Retention: each silo's cleaner deletes lines older than OrleansTasks:LogRetention, a batch at a time, oldest
-- first, without reading the whole table.
CREATE INDEX run_logs_logged_at ON run_logs (service_id, logged_at);
