-- Placement intervals name the DaemonSet they ran for by uid as well as by name: a DaemonSet deleted
-- and created again under the same name is another object, with a history of its own.
alter table proj_placements add column if not exists daemonset_uid text;

-- Intervals written before the column existed take the uid from the event that opened them, as the
-- projection does: a created or adopted pod names its DaemonSet's uid, a registered pod its
-- controller owner reference's (the first one marked controller).
update proj_placements p
set daemonset_uid = case e.type
        when 'pod_registered.v1' then (
            select o.value->>'uid'
            from jsonb_path_query(e.data, '$.object.metadata.ownerReferences[*]') with ordinality as o(value, n)
            where o.value->>'controller' = 'true'
            order by o.n limit 1)
        else e.data->>'uid'
    end
from events e
where e.seq = p.from_seq and p.daemonset_uid is null;

-- history by revision is read per DaemonSet uid and revision hash, in the order it is paged
drop index if exists proj_placements_revision_idx;
create index if not exists proj_placements_owner_idx on proj_placements (daemonset_uid, hash, from_seq, pod);
