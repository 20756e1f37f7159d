-- Read models derived from the log. They are caches: dropping them and rebuilding from the
-- events gives the same rows. Each row is a function of its object's state and its stream's
-- version and last seq, so a row written live and the same row rebuilt are identical.
-- Objects are json (not jsonb) so they read back in the order Kubernetes prints fields.

create table if not exists proj_nodes (
    name             text   primary key,
    resource_version bigint not null,
    updated_seq      bigint not null,
    object           json   not null
);

create table if not exists proj_daemonsets (
    namespace        text   not null,
    name             text   not null,
    uid              text   not null,
    current_hash     text   not null,
    resource_version bigint not null,
    updated_seq      bigint not null,
    object           json   not null,
    primary key (namespace, name)
);

create unique index if not exists proj_daemonsets_uid_idx on proj_daemonsets (uid);

create table if not exists proj_pods (
    namespace        text        not null,
    name             text        not null,
    daemonset        text,
    node             text,
    phase            text        not null,
    ready            boolean     not null,
    hash             text,
    created_at       timestamptz not null,
    resource_version bigint      not null,
    updated_seq      bigint      not null,
    object           json        not null,
    primary key (namespace, name)
);

create index if not exists proj_pods_daemonset_idx on proj_pods (daemonset, node);
create index if not exists proj_pods_node_idx on proj_pods (node);

create table if not exists proj_revisions (
    namespace  text        not null,
    name       text        not null,
    owner_uid  text,
    number     bigint      not null,
    hash       text        not null,
    created_at timestamptz not null,
    template   json        not null,
    primary key (namespace, name)
);

create index if not exists proj_revisions_owner_idx on proj_revisions (owner_uid, number);

-- how far the read models have folded the log
create table if not exists proj_checkpoint (
    name text   primary key,
    seq  bigint not null
);
