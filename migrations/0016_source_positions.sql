-- Where a recorder resumes each kind: the recorded cluster's resourceVersion of the last event it appended for that
-- kind. It was found by searching the log backwards for the last event whose correlation id names the kind, which on
-- a long log took most of a second for each kind that changes rarely, at every start. The row is written in the same
-- transaction as those events, so it is exactly what that search finds; a log recorded before this table has no row
-- until the kind's next event, and is searched as before meanwhile.
create table if not exists source_positions (
    kind text primary key,
    resource_version text not null,
    seq bigint not null
);
