-- Pods remember the events that created them and last changed their labels, and a slot's cause is the event that
-- last changed its answer. Snapshots written before lack these: dropping the read models' checkpoint makes the
-- next start rebuild the read models and the snapshots from the log.
delete from proj_checkpoint where name = 'read_models';
