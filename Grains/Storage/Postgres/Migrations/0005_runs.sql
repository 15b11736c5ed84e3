-- Runs: one row per run, written by its run grain (group-committed with other runs' writes). The columns are what
-- queries filter on; "state" holds the rest of the run's durable state (attempts, journal, options) as JSON.
-- service_id scopes every row to one OrleansTasks service (Orleans' ServiceId), as Orleans scopes its own tables:
-- services sharing a database never see, or resume, each other's runs.
CREATE TABLE runs
(
    id          text        NOT NULL PRIMARY KEY,
    service_id  text        NOT NULL,
    task_id     text        NOT NULL,
    status      text        NOT NULL,
    queue       text        NOT NULL,
    queue_order bigint      NOT NULL,
    machine     text        NOT NULL,
    tags        text[]      NOT NULL DEFAULT '{}',
    batch_id    text,
    parent_run_id text,
    root_run_id text,
    depth       integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    started_at  timestamptz,
    finished_at timestamptz,
    wake_at     timestamptz,
    owner       text,
    version     bigint      NOT NULL,
    payload     json        NOT NULL,
    output      json,
    state       json        NOT NULL
) WITH (fillfactor = 85);

-- Runs a live grain drives (owner set). Finished and suspended runs have no owner, so this stays small: it is
-- how a queue rebuilds its backlog, and the set the supervisor scans for runs whose silo died. Status is in no
-- index, so a run's status changes are HOT updates that touch no index.
CREATE INDEX runs_in_flight ON runs (service_id, queue, queue_order) WHERE owner IS NOT NULL;

-- Suspended runs by the time they are due: the supervisor's timer wheel reads this.
CREATE INDEX runs_due ON runs (service_id, wake_at) WHERE owner IS NULL AND wake_at IS NOT NULL;

CREATE INDEX runs_created ON runs (service_id, created_at DESC, id DESC);
CREATE INDEX runs_batch ON runs (service_id, batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX runs_parent ON runs (service_id, parent_run_id) WHERE parent_run_id IS NOT NULL;
