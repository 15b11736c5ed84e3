-- Schedules: each row is one schedule's settings and how far it has fired. Its grain reads it on activation and
-- writes it after each occurrence; an Orleans reminder (OrleansRemindersTable) wakes the grain before each occurrence.
CREATE TABLE schedules
(
    id                text        NOT NULL,
    service_id        text        NOT NULL,
    type              text        NOT NULL,
    task_id           text        NOT NULL,
    cron              text        NOT NULL,
    timezone          text        NOT NULL,
    "window"          text        NOT NULL,
    deduplication_key text        NOT NULL,
    external_id       text,
    missed            text        NOT NULL,
    catch_up_ms       bigint      NOT NULL,
    overlap           text        NOT NULL,
    active            boolean     NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    -- Every occurrence with a nominal time up to here has been handled (fired or skipped).
    cursor_at         timestamptz NOT NULL,
    last_timestamp    timestamptz,
    last_run_id       text,
    -- When the grain expects its reminder next; the sweep wakes an active schedule found well past it.
    wake_at           timestamptz,
    -- Ids come from deduplication keys and task ids, so two services sharing the database may both have one.
    PRIMARY KEY (service_id, id)
);

CREATE INDEX schedules_created ON schedules (service_id, created_at DESC, id DESC);
CREATE INDEX schedules_wake ON schedules (service_id, wake_at) WHERE active;
CREATE INDEX schedules_declarative ON schedules (service_id) WHERE type = 'DECLARATIVE';

-- The runs an occurrence made carry their schedule (RunFilter.ScheduleId); only those runs are in the index.
ALTER TABLE runs ADD COLUMN schedule_id text;
CREATE INDEX runs_schedule ON runs (service_id, schedule_id, created_at DESC, id DESC) WHERE schedule_id IS NOT NULL;
