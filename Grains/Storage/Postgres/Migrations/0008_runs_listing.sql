-- Listing runs (Runs.ListAsync, the bulk actions, the dashboard): every filter reads the newest runs first, so each
-- index ends in (created_at DESC, id DESC), the listing order, and a page is the first rows of one index range.
--
-- Status is deliberately in no index. A status change that touches no indexed column is a HOT update: the new row
-- version goes on the same page and no index is written. An index naming status (as a key, an INCLUDE or in a partial
-- index's WHERE) would make every status change of every run write a new entry into every index of the table.
-- Instead the database derives final_status from status: NULL while the run is unfinished, its status once final.
-- It changes once in a run's life, on the save that finishes it, which writes the indexes anyway: the run gives up
-- its owner then (runs_in_flight's predicate) or its wake-up time (runs_due), so indexing final_status costs no HOT
-- update.
--   * runs_final: the final statuses (FAILED, COMPLETED…), by status then newest first.
--   * runs_unfinished: the unfinished runs, newest first; a filter for QUEUED, EXECUTING… walks it and checks status
--     on the row. It holds only the runs in flight, so it stays small; a backlog of millions of queued runs makes a
--     filter for a rarer unfinished status (EXECUTING) walk past them.
-- Adding a stored generated column rewrites the table once, under an exclusive lock, when this migration runs.
--
-- Measured on a 2-core VM, 200,000 runs saved in commits of 1,000: the save that starts an attempt (status and
-- started_at change) took 2.1 s with none of these indexes (every update HOT), 7.0 s with a plain index on
-- (service_id, status, created_at, id) (no update HOT) and 2.5 s with final_status (every update HOT). The save that
-- finishes a run is never HOT; these indexes take it from 4.0 s to 8.5 s. The throughput benchmark (30,000 no-op
-- runs, six runs of each, interleaved) could not tell the schemas apart: 2,726 runs/s at the median without these
-- indexes, 2,691 with them, 2,677 with a status index too; a no-op run's start and end reach the table in one save,
-- which is never HOT, so that benchmark cannot show what a status index costs runs that take longer than a commit.
ALTER TABLE runs ADD COLUMN final_status text GENERATED ALWAYS AS (
    CASE WHEN status IN ('COMPLETED', 'CANCELED', 'FAILED', 'CRASHED', 'SYSTEM_FAILURE', 'EXPIRED', 'TIMED_OUT') THEN status END
) STORED;

-- task_id rides along in runs_final so that "failed runs of task X" (two filters of a few percent each, so a page is
-- thousands of index entries away) is checked in the index, not row by row in the table, once vacuum has marked the
-- pages all-visible. It never changes, so it costs no HOT update either.
CREATE INDEX runs_final ON runs (service_id, final_status, created_at DESC, id DESC) INCLUDE (task_id) WHERE final_status IS NOT NULL;
CREATE INDEX runs_unfinished ON runs (service_id, created_at DESC, id DESC) WHERE final_status IS NULL;

-- Task and queue never change once a run is created (the update writes the same values), so these cost no HOT update.
CREATE INDEX runs_task ON runs (service_id, task_id, created_at DESC, id DESC);
CREATE INDEX runs_queue ON runs (service_id, queue, created_at DESC, id DESC);

-- Tags, any of: tags && $1. GIN cannot hold service_id; the service is checked on the row. GIN cannot give the listing
-- order either: a rare tag is read through this index and its runs sorted, a common one by walking runs_created and
-- checking tags on the row; a tag on about 0.5% of runs, where the two meet, is the slowest filter (see bench list).
-- fastupdate is off: with it, new entries wait in a pending list that every tag query reads in full (27,000 entries
-- after a day of writes at the benchmark's scale: 6 ms a query), while inserting 200,000 tagged runs in commits of
-- 1,000 took no measurably longer without it.
CREATE INDEX runs_tags ON runs USING gin (tags) WITH (fastupdate = off);

-- A listing finds runs by idempotency key without knowing the task, so the key leads the index; the trigger's lookup
-- (key, task, newest) is served by the same index, which replaces 0007's (task first) rather than adding a second.
DROP INDEX runs_idempotency;
CREATE INDEX runs_idempotency ON runs (service_id, idempotency_key, task_id, created_at DESC) WHERE idempotency_key IS NOT NULL;

-- Batches hold at most 1,000 runs, so 0005's runs_batch (service_id, batch_id) serves the batch filter: its few rows
-- are sorted. Time ranges and the unfiltered listing use 0005's runs_created.
