-- Related runs (RunFilter.RootRunId): a run tree's descendants, newest first, as one index range. Only runs with a
-- parent are in it (a root run would be the only entry of its own tree), so a run triggered from outside, the common
-- case, writes no entry; root_run_id never changes, so the index costs no HOT update either. RunFilter.ParentRunId
-- uses 0005's runs_parent: a run's direct children are few enough to sort.
CREATE INDEX runs_root ON runs (service_id, root_run_id, created_at DESC, id DESC) WHERE parent_run_id IS NOT NULL;
