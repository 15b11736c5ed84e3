-- A waiting run whose wait has ended and that asked its queue for a slot to resume is in its queue as much as a
-- QUEUED run is: a queue rebuilt after its silo died (or reconciling with the table) must find it there, or the run
-- waits forever for a grant nobody will send. The flag is a column so that rebuild can read it; it is in no index, so
-- setting and clearing it stays a HOT update. Adding a column with a constant default does not rewrite the table.
ALTER TABLE runs ADD COLUMN resume_requested boolean NOT NULL DEFAULT false;
