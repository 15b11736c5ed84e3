-- Trigger options that queues and idempotency need as columns: the concurrency key (a queue rebuilds each key's
-- backlog from it), when a queued run that never started expires (its TTL), and the hashed idempotency key.
ALTER TABLE runs
    ADD COLUMN concurrency_key text,
    ADD COLUMN idempotency_key text,
    ADD COLUMN expires_at      timestamptz;

-- A trigger with an idempotency key looks for the newest run of the task with that key.
CREATE INDEX runs_idempotency ON runs (service_id, task_id, idempotency_key, created_at DESC) WHERE idempotency_key IS NOT NULL;
