-- Runs' data streams (context.Streams in a task). One row per chunk, numbered by offset within its stream; the row
-- that ends a stream has no chunk. A chunk is stored once per (source, source_seq): a replayed execution writing its
-- chunks again adds nothing. Rows are deleted after OrleansTasks:StreamRetention (28 days by default).
CREATE TABLE IF NOT EXISTS run_stream_chunks (
    service_id  text        NOT NULL,
    run_id      text        NOT NULL,
    stream_key  text        NOT NULL,
    chunk_offset bigint     NOT NULL,
    source      text        NOT NULL,
    source_seq  bigint      NOT NULL,
    chunk       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, run_id, stream_key, chunk_offset)
);

CREATE INDEX IF NOT EXISTS run_stream_chunks_created ON run_stream_chunks (service_id, created_at);
