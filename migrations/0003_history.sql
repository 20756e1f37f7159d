-- History read models: state snapshots for time travel, placement intervals by revision,
-- and (when recorded) the fingerprint of the live state after each command.

-- The whole cluster state folded up to seq, as gzipped JSON. A cache: rebuildable from the log.
create table if not exists snapshots (
    seq        bigint      primary key,
    state      bytea       not null,
    created_at timestamptz not null default now()
);

-- Every interval a pod ran a DaemonSet's revision (by hash): from when it was created or
-- adopted to when it was deleted or released, and why it ended.
create table if not exists proj_placements (
    daemonset   text        not null,
    pod         text        not null,
    hash        text        not null,
    node        text,
    from_seq    bigint      not null,
    from_time   timestamptz not null,
    to_seq      bigint,
    to_time     timestamptz,
    end_reason  text,
    end_detail  text,
    primary key (pod, from_seq)
);

create index if not exists proj_placements_revision_idx on proj_placements (daemonset, hash, from_seq);
create index if not exists proj_placements_open_idx on proj_placements (pod) where to_seq is null;

-- The canonical hash of the live state right after each command (Engine:RecordFingerprints):
-- lets a replay prove it rebuilds exactly what the engine saw.
create table if not exists state_fingerprints (
    seq         bigint primary key,
    fingerprint text   not null
);
