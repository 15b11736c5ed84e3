-- Runs' data streams (context.Streams in a task), stored as segments: each row holds the chunks of one append, in
-- offset order from first_offset, as a JSON array (chunks are JSON), so a stream written at 50,000 chunks a second
-- costs the database a few hundred rows a second, not 50,000. A segment that ends its stream has ended = true (and
-- may hold no chunks). source and first_seq number the append's chunks by their writer, so a replayed execution
-- writing its chunks again stores nothing twice. Rows are deleted after OrleansTasks:StreamRetention (28 days).
CREATE TABLE IF NOT EXISTS run_stream_segments (
    service_id   text        NOT NULL,
    run_id       text        NOT NULL,
    stream_key   text        NOT NULL,
    first_offset bigint      NOT NULL,
    chunk_count  integer     NOT NULL,
    byte_count   bigint      NOT NULL,
    source       text        NOT NULL,
    first_seq    bigint      NOT NULL,
    ended        boolean     NOT NULL,
    chunks       text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, run_id, stream_key, first_offset)
);

CREATE INDEX IF NOT EXISTS run_stream_segments_created ON run_stream_segments (service_id, created_at);
