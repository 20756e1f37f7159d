-- Appends in one round trip. The expected versions of an append's streams are checked and moved by this function,
-- inside the statement batch that also inserts the events: a stream not at its expected version raises SQLSTATE
-- EE409 whose message is '<actual version> <stream>' (the message, because servers may withhold DETAIL and HINT
-- from clients), so the store reports a conflict by error code. expected: -1 any, 0 no stream yet, n the version of the stream's last event.
create or replace function eventengine_advance_streams(p_streams text[], p_counts bigint[], p_expected bigint[], p_now timestamptz)
returns table (stream text, version bigint) language plpgsql as $$
#variable_conflict use_column
declare
    i int;
    actual bigint;
begin
    for i in 1 .. coalesce(array_length(p_streams, 1), 0) loop
        if p_expected[i] = -1 then
            insert into streams as s (stream, version, created_at, updated_at) values (p_streams[i], p_counts[i], p_now, p_now)
            on conflict on constraint streams_pkey do update set version = s.version + excluded.version, updated_at = excluded.updated_at;
        elsif p_expected[i] = 0 then
            insert into streams as s (stream, version, created_at, updated_at) values (p_streams[i], p_counts[i], p_now, p_now)
            on conflict on constraint streams_pkey do nothing;
            if not found then
                select s.version into actual from streams s where s.stream = p_streams[i];
                raise exception using errcode = 'EE409', message = actual::text || ' ' || p_streams[i];
            end if;
        else
            update streams s set version = s.version + p_counts[i], updated_at = p_now where s.stream = p_streams[i] and s.version = p_expected[i];
            if not found then
                select s.version into actual from streams s where s.stream = p_streams[i];
                raise exception using errcode = 'EE409', message = coalesce(actual, 0)::text || ' ' || p_streams[i];
            end if;
        end if;
    end loop;
    return query select s.stream, s.version from streams s where s.stream = any(p_streams);
end $$;

-- A writer that folded the log up to p_head appends only on top of it: anything else raises EE409 for the whole log.
create or replace function eventengine_expect_head(p_head bigint)
returns void language plpgsql as $$
declare
    actual bigint;
begin
    select coalesce(max(seq), 0) into actual from events;
    if actual <> p_head then
        raise exception using errcode = 'EE409', message = actual::text || ' $all';
    end if;
end $$;

-- Keyed deletes of the read models use their primary keys (namespace, name); nothing to add for those.
