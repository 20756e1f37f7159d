-- An append in one statement: the append lock, the check and move of every stream's version (eventengine_advance_streams,
-- SQLSTATE EE409 on a conflict), the insert (seqs follow the head in the order given, versions follow each stream), the
-- identity's sequence moved to the new head and the commit's notification. Sent alone, outside any transaction block,
-- it is its own transaction: one statement to parse, plan and execute on the server instead of seven, and one commit.
-- p_ordinals[i] is the i-th event's place in its stream's part of the append, p_counts_of[i] the number of events that
-- stream appends (so its version is the stream's new version - count + ordinal).
create or replace function eventengine_append(
    p_lock bigint, p_channel text, p_now timestamptz,
    p_streams text[], p_counts bigint[], p_expected bigint[],
    p_ids uuid[], p_event_streams text[], p_ordinals bigint[], p_counts_of bigint[], p_types text[], p_data jsonb[], p_metadata jsonb[])
returns table (id uuid, seq bigint, version bigint) language plpgsql as $$
#variable_conflict use_column
declare
    head bigint;
    last bigint;
begin
    perform pg_advisory_xact_lock(p_lock);
    perform eventengine_advance_streams(p_streams, p_counts, p_expected, p_now);
    select coalesce(max(e.seq), 0) into head from events e;
    last := head + coalesce(array_length(p_ids, 1), 0);
    return query
        insert into events as e (seq, id, stream, version, type, data, metadata, recorded_at) overriding system value
        select head + t.ord, t.id, t.stream, (select s.version from streams s where s.stream = t.stream) - t.count + t.n,
               t.type, t.data, t.metadata, p_now
        from unnest(p_ids, p_event_streams, p_ordinals, p_counts_of, p_types, p_data, p_metadata) with ordinality
             as t(id, stream, n, count, type, data, metadata, ord)
        returning e.id, e.seq, e.version;
    if last > 0 then
        perform setval(pg_get_serial_sequence('events', 'seq'), last);
    end if;
    perform pg_notify(p_channel, last::text);
end $$;
