-- The current versions that began after a seq: what changed since it. With the closed versions holding at that seq,
-- the state at it is the live state with those objects put back as they were, at the cost of what changed since
-- (a what-if over the last ten thousand events reads a few thousand versions instead of the whole cluster).
-- kind and key are included so the scan reads the index alone.
create index history_open_lower on history_open (lower) include (kind, key);
