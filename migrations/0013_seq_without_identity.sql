-- The seq is the store's alone: every append computes it (the head's successors, under the append lock) and gives it.
-- The identity that could also draw one is dropped, and with it the sequence every append had to move (setval writes
-- the sequence's page to the WAL at every commit). A writer that bypasses the store and gives no seq now fails on the
-- not-null; before, it drew from a sequence the store had to keep in step. eventengine_append is the same as in 0012
-- without that move.
alter table events alter column seq drop identity if exists;

create or replace function eventengine_append(
    p_lock bigint, p_channel text, p_now timestamptz,
    p_streams text[], p_counts bigint[], p_expected bigint[],
    p_ids uuid[], p_event_streams text[], p_ordinals bigint[], p_counts_of bigint[], p_types text[], p_data jsonb[], p_metadata jsonb[])
returns table (id uuid, seq bigint, version bigint) language plpgsql as $$
#variable_conflict use_column
declare
    head bigint;
    last bigint;
    moved bigint[] := '{}';
    v bigint;
    actual bigint;
    i int;
begin
    perform pg_advisory_xact_lock(p_lock);
    for i in 1 .. coalesce(array_length(p_streams, 1), 0) loop
        if p_expected[i] = -1 then
            insert into streams as s (stream, version, created_at, updated_at) values (p_streams[i], p_counts[i], p_now, p_now)
            on conflict on constraint streams_pkey do update set version = s.version + excluded.version, updated_at = excluded.updated_at
            returning s.version into v;
        elsif p_expected[i] = 0 then
            insert into streams as s (stream, version, created_at, updated_at) values (p_streams[i], p_counts[i], p_now, p_now)
            on conflict on constraint streams_pkey do nothing
            returning s.version into v;
            if not found then
                select s.version into actual from streams s where s.stream = p_streams[i];
                raise exception using errcode = 'EE409', message = actual::text || ' ' || p_streams[i];
            end if;
        else
            update streams s set version = s.version + p_counts[i], updated_at = p_now where s.stream = p_streams[i] and s.version = p_expected[i]
            returning s.version into v;
            if not found then
                select s.version into actual from streams s where s.stream = p_streams[i];
                raise exception using errcode = 'EE409', message = coalesce(actual, 0)::text || ' ' || p_streams[i];
            end if;
        end if;
        moved := moved || v;
    end loop;
    select coalesce(max(e.seq), 0) into head from events e;
    last := head + coalesce(array_length(p_ids, 1), 0);
    return query
        insert into events as e (seq, id, stream, version, type, data, metadata, recorded_at)
        select head + t.ord, t.id, t.stream, moved[array_position(p_streams, t.stream)] - t.count + t.n,
               t.type, t.data, t.metadata, p_now
        from unnest(p_ids, p_event_streams, p_ordinals, p_counts_of, p_types, p_data, p_metadata) with ordinality
             as t(id, stream, n, count, type, data, metadata, ord)
        returning e.id, e.seq, e.version;
    perform pg_notify(p_channel, last::text);
end $$;
