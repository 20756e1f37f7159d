-- The event log: the only source of truth. Modelled on Marten's mt_events / mt_streams.

-- One row per stream; version is the version of the stream's last event (0: no events).
-- An append moves it with "update ... where version = @expected", so a stale writer
-- changes no row and gets a conflict instead of a lost update.
create table if not exists streams (
    stream     text        primary key,
    version    bigint      not null check (version >= 0),
    created_at timestamptz not null,
    updated_at timestamptz not null
);

-- seq is the global position. It is drawn inside the append transaction, after the
-- append's advisory lock is taken, so appends commit in seq order and a reader tailing
-- "where seq > @checkpoint" never passes an event that is still to commit.
create table if not exists events (
    seq         bigint      generated always as identity primary key,
    id          uuid        not null,
    stream      text        not null,
    version     bigint      not null check (version >= 1),
    type        text        not null,
    data        jsonb       not null,
    metadata    jsonb       not null,
    recorded_at timestamptz not null,
    -- an event id is stored once: a client retry is recognised, never duplicated
    constraint events_id_key unique (id),
    -- the storage backstop for optimistic concurrency; its index also serves
    -- "read stream s from version v" (where stream = s and version >= v order by version)
    constraint events_stream_version_key unique (stream, version)
);

-- timeline and "state at time T" queries look events up by time
create index if not exists events_recorded_at_idx on events (recorded_at);
