-- Waitpoint tokens: what runs wait for until someone completes them (or they time out), and who waits.
CREATE TABLE waitpoint_tokens
(
    id                     text        NOT NULL PRIMARY KEY,
    service_id             text        NOT NULL,
    status                 text        NOT NULL,
    created_at             timestamptz NOT NULL,
    completed_at           timestamptz,
    timeout_at             timestamptz,
    idempotency_key        text,
    idempotency_expires_at timestamptz,
    tags                   text[]      NOT NULL DEFAULT '{}',
    output                 json,
    waiters                json        NOT NULL DEFAULT '[]'
);

CREATE INDEX waitpoint_tokens_created ON waitpoint_tokens (service_id, created_at DESC, id DESC);
CREATE INDEX waitpoint_tokens_key ON waitpoint_tokens (service_id, idempotency_key, created_at DESC) WHERE idempotency_key IS NOT NULL;
