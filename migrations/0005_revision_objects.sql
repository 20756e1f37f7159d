-- Revisions as apps/v1 ControllerRevision objects, served by GET .../controllerrevisions.
alter table proj_revisions add column if not exists object json;

-- Rows written before this column: rebuilt from what the row holds. A revision carries the annotations
-- its DaemonSet had when it was taken, which the row does not hold: the owner's current ones stand in,
-- and POST /engine/v1/projections/rebuild writes the exact ones from the log.
update proj_revisions r
set object = jsonb_strip_nulls(jsonb_build_object(
    'apiVersion', 'apps/v1',
    'kind', 'ControllerRevision',
    'metadata', jsonb_build_object(
        'name', r.name,
        'namespace', r.namespace,
        -- RFC 3339 as the server writes it: fractional seconds only when there are any, without trailing zeros
        'creationTimestamp', to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
            || coalesce('.' || nullif(rtrim(to_char(r.created_at at time zone 'UTC', 'US'), '0'), ''), '') || 'Z',
        'annotations', (select d.object::jsonb -> 'metadata' -> 'annotations' from proj_daemonsets d where d.uid = r.owner_uid),
        'labels', coalesce(r.template::jsonb -> 'metadata' -> 'labels', '{}'::jsonb)
                  || jsonb_build_object('controller-revision-hash', r.hash),
        'ownerReferences', (
            select jsonb_build_array(jsonb_build_object(
                'apiVersion', 'apps/v1', 'kind', 'DaemonSet', 'name', d.name, 'uid', d.uid,
                'controller', true, 'blockOwnerDeletion', true))
            from proj_daemonsets d where d.uid = r.owner_uid)),
    'data', jsonb_build_object('spec', jsonb_build_object('template', r.template::jsonb || '{"$patch": "replace"}'::jsonb)),
    'revision', r.number))::json
where r.object is null;

alter table proj_revisions alter column object set not null;
