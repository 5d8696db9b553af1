-- Dashboards: less work inside edits, and a cheaper fold.
--
-- 1. Quality-issue rollups are queued like events. A writer of qc_issue used to update the
--    shared per-slot counters in its own statement (dashboard_qc_apply, under the slot's advisory
--    lock held to its commit), so that concurrent edits of tiles in the same slot waited for each
--    other. It now only appends what its statement changed, per tile, code and severity: no
--    shared row, no lock. dashboard_fold applies the queue, summed, before each dashboard read and
--    every few seconds, as it does for events.
-- 2. dashboard_fold applies the events that only add to their actor's counters of the day (change
--    sets within a state, leases and other events: nearly all of them) in one statement, summed
--    per project, day and user, instead of one function call each. Sums commute, so applying them
--    before the others of the same batch gives the same rollups; the events that move tiles
--    between states still go one by one, in the order of the log.
-- 3. Both queues are folded in batches of p_limit rows, one transaction each (the caller loops while
--    a batch is full): a long backlog is no longer one large transaction whose commit makes every
--    edit committing behind it wait for its write-ahead log.

CREATE TABLE dash_qc_pending (
    id          bigserial PRIMARY KEY,
    project_id  integer NOT NULL,
    tile_key    text NOT NULL,
    code        text NOT NULL,
    blocking    boolean NOT NULL,
    delta       integer NOT NULL
);

CREATE OR REPLACE FUNCTION dashboard_qc_added() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO dash_qc_pending (project_id, tile_key, code, blocking, delta)
    SELECT project_id, tile_key, code, blocking, count(*) FROM new_rows GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END
$fn$;
CREATE OR REPLACE FUNCTION dashboard_qc_removed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO dash_qc_pending (project_id, tile_key, code, blocking, delta)
    SELECT project_id, tile_key, code, blocking, -count(*) FROM old_rows GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END
$fn$;
CREATE OR REPLACE FUNCTION dashboard_qc_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO dash_qc_pending (project_id, tile_key, code, blocking, delta)
    SELECT project_id, tile_key, code, blocking, sum(delta)
    FROM (SELECT project_id, tile_key, code, blocking, 1 AS delta FROM new_rows
          UNION ALL
          SELECT project_id, tile_key, code, blocking, -1 FROM old_rows) x
    GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0;
    RETURN NULL;
END
$fn$;

-- Whether an event only adds to its actor's counters of the day (dashboard_apply_event's first
-- two cases).
CREATE FUNCTION dashboard_counts_only(p_kind text, p_payload jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_kind = 'change_set'
                THEN p_payload->>'state_to' IS NOT DISTINCT FROM p_payload->>'state_from'
                ELSE p_kind NOT IN ('tile_imported', 'submitted', 'review_claimed', 'approved', 'rejected',
                                    'reopened', 'review_released', 'review_lapsed', 'published') END $$;

CREATE OR REPLACE FUNCTION dashboard_fold(p_limit integer) RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE
    r event%ROWTYPE;
    v_ids bigint[];
    v_projects integer[];
    v_tiles text[];
    v_codes text[];
    v_blocking boolean[];
    v_delta integer[];
    v_qc_rows integer;
BEGIN
    PERFORM pg_advisory_xact_lock(7233184983304175615);

    -- Quality issues: the next queued changes (sums: their order does not matter), summed per
    -- tile, code and severity.
    WITH q AS (DELETE FROM dash_qc_pending
               WHERE id IN (SELECT id FROM dash_qc_pending ORDER BY id LIMIT p_limit)
               RETURNING project_id, tile_key, code, blocking, delta),
    d AS (SELECT project_id, tile_key, code, blocking, sum(delta)::integer AS delta FROM q
          GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0)
    SELECT array_agg(project_id), array_agg(tile_key), array_agg(code), array_agg(blocking), array_agg(delta),
           (SELECT count(*) FROM q)
    INTO v_projects, v_tiles, v_codes, v_blocking, v_delta, v_qc_rows FROM d;
    PERFORM dashboard_qc_apply(v_projects, v_tiles, v_codes, v_blocking, v_delta);

    -- Events: the next batch in the order of the log.
    SELECT array_agg(p.id ORDER BY p.id) INTO v_ids
    FROM (SELECT id FROM dash_pending ORDER BY id LIMIT p_limit) p;
    IF v_ids IS NULL THEN
        RETURN v_qc_rows;
    END IF;

    INSERT INTO dash_activity AS a (project_id, day, user_id, change_sets, ops, leases, other_events)
    SELECT e.project_id, dashboard_day(e.at), coalesce(e.actor_id, 0),
           count(*) FILTER (WHERE e.kind = 'change_set'),
           coalesce(sum(coalesce(dashboard_number(e.payload->>'ops'), 0)::bigint)
                    FILTER (WHERE e.kind = 'change_set'), 0),
           count(*) FILTER (WHERE e.kind = 'lease_claimed'),
           count(*) FILTER (WHERE e.kind NOT IN ('change_set', 'lease_claimed'))
    FROM event e
    WHERE e.id = ANY (v_ids) AND dashboard_counts_only(e.kind, e.payload)
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (project_id, day, user_id) DO UPDATE SET
        change_sets = a.change_sets + EXCLUDED.change_sets, ops = a.ops + EXCLUDED.ops,
        leases = a.leases + EXCLUDED.leases, other_events = a.other_events + EXCLUDED.other_events;

    FOR r IN SELECT e.* FROM event e
             WHERE e.id = ANY (v_ids) AND NOT dashboard_counts_only(e.kind, e.payload) ORDER BY e.id LOOP
        PERFORM dashboard_apply_event(r);
    END LOOP;

    DELETE FROM dash_pending WHERE id = ANY (v_ids);
    RETURN greatest(cardinality(v_ids), v_qc_rows);
END
$fn$;

CREATE OR REPLACE FUNCTION dashboard_truncated() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_TABLE_NAME = 'event' THEN
        TRUNCATE dash_tile, dash_state, dash_flow, dash_tile_flow, dash_activity, dash_submitter, dash_review_time,
                 dash_reason, dash_pending;
    ELSIF TG_TABLE_NAME = 'qc_issue' THEN
        TRUNCATE dash_qc_tile, dash_qc, dash_qc_pending;
    ELSIF TG_TABLE_NAME = 'zone_tile' THEN
        DELETE FROM dash_state WHERE zone_id <> 0;
    ELSIF TG_TABLE_NAME = 'conflict' THEN
        TRUNCATE dash_conflict_day, dash_conflict_tile, dash_conflict_user, dash_conflict_day_user,
                 dash_conflict_tile_user;
    END IF;
    RETURN NULL;
END
$fn$;
