-- A rebuild of a project's rollups reads qc_issue as it is, so the quality-issue changes queued for
-- that project (dash_qc_pending, migration 0007) are already in it: the rebuild itself drops them,
-- whoever calls it. The tables are locked first, in the order the rebuild locks them, so that no
-- writer can queue more until it commits and no writer holding one of them waits in a cycle.
ALTER FUNCTION dashboard_rebuild(integer) RENAME TO dashboard_rebuild_from_log;

CREATE FUNCTION dashboard_rebuild(p_project integer) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    LOCK TABLE event, qc_issue, zone_tile, conflict IN SHARE MODE;
    DELETE FROM dash_qc_pending WHERE project_id = p_project;
    PERFORM dashboard_rebuild_from_log(p_project);
END
$fn$;
