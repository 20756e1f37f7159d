-- The leader lease's fence. A process records a cluster only while it leads, and it learns that it lost the lease
-- (its lease connection cut) only at its next check: until then it could still append what it saw, after another
-- process took the lease and recorded newer states. Each of its recording appends therefore checks, in its own
-- transaction, that its lease connection (its backend pid, and when that backend started, so a reused pid is not
-- taken for it) still holds the lease's advisory lock; if not, SQLSTATE EE423 rolls the append back.
create or replace function eventengine_hold_lease(p_key bigint, p_pid int, p_started timestamptz)
returns void language plpgsql as $$
begin
    if not exists (
        select 1
        from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and l.objsubid = 1
          and l.database = (select oid from pg_database where datname = current_database())
          and l.classid = (p_key >> 32)::oid and l.objid = (p_key & 4294967295)::oid
          and l.pid = p_pid and a.backend_start = p_started) then
        raise exception using errcode = 'EE423', message = 'this process no longer holds the leader lease';
    end if;
end $$;
