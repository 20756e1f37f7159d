-- Objects of more than about 2 kB are compressed when stored. A pod's read-model row (its whole Kubernetes object,
-- about 2.2 kB) was compressed with pglz, about half of what inserting the row cost; lz4 compresses it in half the
-- time (and reads it back faster) at about a sixth more bytes. Only values written from now on change; a server whose
-- PostgreSQL was built without lz4 keeps pglz.
do $$
begin
    if exists (select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)) then
        alter table proj_pods alter column object set compression lz4;
        alter table proj_nodes alter column object set compression lz4;
        alter table proj_daemonsets alter column object set compression lz4;
        alter table proj_revisions alter column template set compression lz4, alter column object set compression lz4;
        alter table events alter column data set compression lz4;
        alter table history alter column body set compression lz4;
        alter table history_open alter column body set compression lz4;
    end if;
end $$;
