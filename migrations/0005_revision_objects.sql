-- Revisions as apps/v1 ControllerRevision objects, served by GET .../controllerrevisions.
alter table proj_revisions add column if not exists object json;

-- Read models are derived from the log. Dropping their checkpoint makes the next start rebuild them,
-- so rows written before this column get their objects exactly as the server writes them.
delete from proj_checkpoint where name = 'read_models';
