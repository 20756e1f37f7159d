-- The history of every object, version by version, so that the past is read object by object: one DaemonSet's
-- placement, one node, a page of pods at any seq, without restoring the whole cluster. It replaces the whole-cluster
-- snapshots. Written in the append's transaction with the other read models, and rebuilt with them.
--
-- A version holds from the seq of the event that made it (lower) to the seq before the next version (upper,
-- inclusive). The current version of each object is in history_open; a version moves to history when the next one
-- replaces it or the object goes away, with its interval fixed.
--
-- "Which versions hold at seq x" is answered by an interval tree kept in plain btrees (a relational interval tree):
-- a closed interval hangs from its fork, the one number in it with the most trailing zero bits (see
-- eventengine_fork). An interval holding x hangs from one of the 63 forks on x's path: at level k the fork is x with
-- its lower k+1 bits replaced by a 1 and k zeros. Where that fork is above x the interval holds x if lower <= x,
-- where it is at or below x if upper >= x: each is a range scan of an index on (scope, fork, lower) or
-- (scope, fork, upper) that reads only versions that hold x. Scopes are the kind, the owning DaemonSet and the node.

create table history (
    kind  "char" not null,
    key   text   collate "C" not null,
    lower bigint not null,
    upper bigint not null,
    fork  bigint not null,
    owner text   collate "C",
    node  text   collate "C",
    body  bytea  not null,
    primary key (kind, key, lower)
);
create index history_kind_lower on history (kind, fork, lower);
create index history_kind_upper on history (kind, fork, upper);
create index history_owner_lower on history (owner, kind, fork, lower) where owner is not null;
create index history_owner_upper on history (owner, kind, fork, upper) where owner is not null;
create index history_node_lower on history (node, kind, fork, lower) where node is not null;
create index history_node_upper on history (node, kind, fork, upper) where node is not null;

create table history_open (
    kind  "char" not null,
    key   text   collate "C" not null,
    lower bigint not null,
    owner text   collate "C",
    node  text   collate "C",
    body  bytea  not null,
    primary key (kind, key)
);
create index history_open_owner on history_open (owner, kind) where owner is not null;
create index history_open_node on history_open (node, kind) where node is not null;

-- The fingerprint of the state after every event: the sum, modulo 2^256, of a hash per object, so each event moves it
-- by the difference of the objects it changed (see Fingerprint).
create table fingerprints (
    seq   bigint  primary key,
    value numeric not null
);

-- The fork of the closed interval [lower, upper]: upper with every bit below the highest bit where lower and upper
-- differ cleared (that bit is set in upper and clear in lower, so the fork lies in the interval).
create function eventengine_fork(lower bigint, upper bigint) returns bigint
language sql immutable strict parallel safe as $$
    select case when lower = upper then lower
        else (upper >> (64 - position('1' in ((lower # upper)::bit(64))::text))) << (64 - position('1' in ((lower # upper)::bit(64))::text))
    end
$$;

drop table if exists snapshots;
drop table if exists state_fingerprints;

-- Empty history: the next start rebuilds every read model, the history with them.
delete from proj_checkpoint where name = 'read_models';
