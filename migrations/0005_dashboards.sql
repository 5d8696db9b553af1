-- Dashboards (issue "Workflow", point 4; SPEC §3: every dashboard figure is derived from the
-- event log, so figures always add up).
--
-- The event log stays the one source. As each tile event is written, a trigger folds it into a
-- few small rollups (the dash_* tables below), so that a dashboard reads thousands of rows, not
-- the ten million events of a large project. dashboard_rebuild(project) recomputes the same
-- rollups from the whole log at once: the database tests check that both ways agree, and agree
-- with the raw tables (tiles, reviews, issues); the benchmark loads its log that way.
--
-- Three rollups are not from the event log: quality issues (dash_qc*, from qc_issue, the current
-- issues of every tile), zone membership (from zone_tile) and conflicts (dash_conflict*, from the
-- conflict table: change sets refused, which write no event). They are kept by triggers on those
-- tables and rebuilt from them.
--
-- Conventions:
-- * Days are UTC days of the event's time (`at`, the writing transaction's start).
-- * A tile enters the dashboards with its first `tile_imported` event (as `todo`), or with its
--   first state-changing event if it was never imported (in that event's `from` state).
-- * The states follow the state-changing events in the order they were written: the first
--   change set of a todo tile (payload state_from <> state_to), `submitted`, `review_claimed`
--   (in_review), `approved`, `rejected`, `reopened` (in_progress), `review_released` and
--   `review_lapsed` (submitted), `published`. The state a tile leaves is the one the dashboards
--   had for it, so the per-state counts always sum to the tile count.
-- * Counters shared by many tiles (per zone and state, per day and state, per issue code) are
--   split in 64 slots by tile, each slot guarded by a transaction-scoped advisory lock taken
--   before the slot's rows are touched: concurrent edits of different tiles rarely wait for each
--   other and never deadlock on them (a transaction that changes the state of several tiles
--   should do so in tile-key order). Counters per user need no lock: an event's figures are
--   added in one statement, users in order.
-- * The functions run for each event are PL/pgSQL, whose plans are kept per session (a SQL
--   function's statements are planned again at each call); the small SQL ones are inlined.
-- * Tile areas are integer cm² (sums stay exact); an import's area is written into its event
--   (payload area_m2, the sum of ST_Area of the tile's features) so the log carries it too.

CREATE FUNCTION dashboard_day(t timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (t AT TIME ZONE 'UTC')::date $$;

CREATE FUNCTION dashboard_slot(p_tile text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT hashtext(p_tile) & 63 $$;

-- The advisory lock of a slot: the one-key form ("dash" in the high bytes), which never collides
-- with the tile writer locks (two-key form).
CREATE FUNCTION dashboard_lock(p_project integer, p_slot integer) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_advisory_xact_lock(7233184983304175616 + p_project::bigint * 64 + p_slot);
END
$fn$;

-- A state name from a payload, or null (never an error: a dashboard must not fail an edit).
CREATE FUNCTION dashboard_state(p_text text) RETURNS tile_state
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_text IN ('todo', 'in_progress', 'submitted', 'in_review', 'approved', 'rejected', 'published')
                THEN p_text::tile_state END $$;

-- The state an event moves its tile to; null when it moves nothing.
CREATE FUNCTION dashboard_target(p_kind text, p_payload jsonb) RETURNS tile_state
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_kind
        WHEN 'change_set' THEN CASE WHEN p_payload->>'state_to' <> p_payload->>'state_from'
                                    THEN dashboard_state(p_payload->>'state_to') END
        WHEN 'submitted' THEN 'submitted'::tile_state
        WHEN 'review_claimed' THEN 'in_review'::tile_state
        WHEN 'approved' THEN 'approved'::tile_state
        WHEN 'rejected' THEN 'rejected'::tile_state
        WHEN 'reopened' THEN 'in_progress'::tile_state
        WHEN 'review_released' THEN 'submitted'::tile_state
        WHEN 'review_lapsed' THEN 'submitted'::tile_state
        WHEN 'published' THEN 'published'::tile_state
    END $$;

-- The state an event says its tile was in (for a tile the dashboards meet for the first time).
CREATE FUNCTION dashboard_source(p_kind text, p_payload jsonb) RETURNS tile_state
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_kind = 'change_set' THEN dashboard_state(p_payload->>'state_from')
                ELSE dashboard_state(p_payload->>'from') END $$;

-- A number from a payload, or null (bounded, so that the cast cannot fail).
CREATE FUNCTION dashboard_number(p_text text) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_text ~ '^-?[0-9]{1,20}(\.[0-9]{1,40})?([eE][-+]?[0-9]{1,2})?$'
                THEN p_text::double precision END $$;

-- What the log says about each tile so far.
CREATE TABLE dash_tile (
    project_id    integer NOT NULL,
    tile_key      text NOT NULL,
    state         tile_state NOT NULL,
    area_cm2      bigint NOT NULL DEFAULT 0,
    submitter_id  integer,        -- the actor of its last `submitted`
    verdict       text,           -- the last of submitted / approved / rejected
    reviewer_id   integer,        -- the actor of its last `review_claimed`
    claimed_at    timestamptz,    -- when, while that review is open
    PRIMARY KEY (project_id, tile_key)
) WITH (fillfactor = 80);

-- Tiles and area per state: of the whole project (zone_id 0) and of each zone.
CREATE TABLE dash_state (
    project_id  integer NOT NULL,
    zone_id     integer NOT NULL,
    slot        smallint NOT NULL,
    state       tile_state NOT NULL,
    tiles       bigint NOT NULL,
    area_cm2    bigint NOT NULL,
    PRIMARY KEY (project_id, zone_id, slot, state)
);

-- Tiles entering (+) and leaving (-) each state per day: the burn-down of the whole project.
CREATE TABLE dash_flow (
    project_id  integer NOT NULL,
    day         date NOT NULL,
    slot        smallint NOT NULL,
    state       tile_state NOT NULL,
    tiles       bigint NOT NULL,
    PRIMARY KEY (project_id, day, slot, state)
);

-- The same per tile: the burn-down of any zone (its tiles' rows).
CREATE TABLE dash_tile_flow (
    project_id  integer NOT NULL,
    tile_key    text NOT NULL,
    day         date NOT NULL,
    state       tile_state NOT NULL,
    tiles       integer NOT NULL,
    PRIMARY KEY (project_id, tile_key, day, state) INCLUDE (tiles)
);

-- What each user did each day, and what happened to their work: one row per user and day (0:
-- events without an actor). Events counted for their actor: change_sets (and their ops),
-- submissions, approvals, rejections, reopens, claims (review_claimed), releases and lapses
-- (review_released, review_lapsed), imports, leases (lease_claimed), other_events. Figures
-- attributed to someone else than the actor:
--   tiles_submitted        tiles this user submitted for the first time
--   submissions_approved, submissions_rejected
--                          verdicts on the tiles this user submitted last
--   rework                 tiles this user submitted, rejected, then submitted again
--   reviews_approved, reviews_rejected, reviews_released, reviews_lapsed
--                          how the reviews this user claimed ended (released: also when a lead
--                          reopened the tile during the review)
-- An event's figures are added in one statement, rows in user order: two transactions never
-- wait for each other's rows in opposite orders.
CREATE TABLE dash_activity (
    project_id            integer NOT NULL,
    day                   date NOT NULL,
    user_id               integer NOT NULL,
    change_sets           bigint NOT NULL DEFAULT 0,
    ops                   bigint NOT NULL DEFAULT 0,
    submissions           bigint NOT NULL DEFAULT 0,
    approvals             bigint NOT NULL DEFAULT 0,
    rejections            bigint NOT NULL DEFAULT 0,
    reopens               bigint NOT NULL DEFAULT 0,
    claims                bigint NOT NULL DEFAULT 0,
    releases              bigint NOT NULL DEFAULT 0,
    lapses                bigint NOT NULL DEFAULT 0,
    imports               bigint NOT NULL DEFAULT 0,
    leases                bigint NOT NULL DEFAULT 0,
    other_events          bigint NOT NULL DEFAULT 0,
    tiles_submitted       bigint NOT NULL DEFAULT 0,
    submissions_approved  bigint NOT NULL DEFAULT 0,
    submissions_rejected  bigint NOT NULL DEFAULT 0,
    rework                bigint NOT NULL DEFAULT 0,
    reviews_approved      bigint NOT NULL DEFAULT 0,
    reviews_rejected      bigint NOT NULL DEFAULT 0,
    reviews_released      bigint NOT NULL DEFAULT 0,
    reviews_lapsed        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, day, user_id)
);

-- Which tiles each user has submitted (for "tiles submitted", distinct).
CREATE TABLE dash_submitter (
    project_id  integer NOT NULL,
    user_id     integer NOT NULL,
    tile_key    text NOT NULL,
    PRIMARY KEY (project_id, user_id, tile_key)
);

-- Reviews that ended approved or rejected, per reviewer and duration in whole seconds (a
-- histogram, so that the median is exact at that resolution).
CREATE TABLE dash_review_time (
    project_id  integer NOT NULL,
    user_id     integer NOT NULL,
    seconds     integer NOT NULL,
    n           bigint NOT NULL,
    PRIMARY KEY (project_id, user_id, seconds)
);

-- Rejection reasons per reviewer.
CREATE TABLE dash_reason (
    project_id  integer NOT NULL,
    user_id     integer NOT NULL,
    reason      text NOT NULL,
    n           bigint NOT NULL,
    PRIMARY KEY (project_id, user_id, reason)
);

-- Conflicts per day, tile and user (with how many people and tiles), and who met whom where.
CREATE TABLE dash_conflict_day (
    project_id  integer NOT NULL,
    day         date NOT NULL,
    conflicts   bigint NOT NULL,
    users       bigint NOT NULL,
    PRIMARY KEY (project_id, day)
);
CREATE TABLE dash_conflict_tile (
    project_id  integer NOT NULL,
    tile_key    text NOT NULL,
    conflicts   bigint NOT NULL,
    users       bigint NOT NULL,
    last_at     timestamptz NOT NULL,
    PRIMARY KEY (project_id, tile_key)
);
CREATE INDEX dash_conflict_tile_top_idx ON dash_conflict_tile (project_id, conflicts DESC, tile_key);
CREATE TABLE dash_conflict_user (
    project_id  integer NOT NULL,
    user_id     integer NOT NULL,
    conflicts   bigint NOT NULL,
    tiles       bigint NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE TABLE dash_conflict_day_user (
    project_id  integer NOT NULL,
    day         date NOT NULL,
    user_id     integer NOT NULL,
    PRIMARY KEY (project_id, day, user_id)
);
CREATE TABLE dash_conflict_tile_user (
    project_id  integer NOT NULL,
    tile_key    text NOT NULL,
    user_id     integer NOT NULL,
    PRIMARY KEY (project_id, tile_key, user_id)
);
-- Conflicts over a range of days are counted from the table itself.
CREATE INDEX conflict_at_idx ON conflict (project_id, at);

-- Current quality issues per tile, code and severity, and their sums per slot (issues, and
-- tiles with at least one).
CREATE TABLE dash_qc_tile (
    project_id  integer NOT NULL,
    tile_key    text NOT NULL,
    code        text NOT NULL,
    blocking    boolean NOT NULL,
    issues      integer NOT NULL,
    PRIMARY KEY (project_id, tile_key, code, blocking)
);
CREATE TABLE dash_qc (
    project_id  integer NOT NULL,
    slot        smallint NOT NULL,
    code        text NOT NULL,
    blocking    boolean NOT NULL,
    issues      bigint NOT NULL,
    tiles       bigint NOT NULL,
    PRIMARY KEY (project_id, slot, code, blocking)
);

-- ---------------------------------------------------------------------------------- writing

-- The column of dash_activity an event counts in, for its actor.
CREATE FUNCTION dashboard_column(p_kind text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_kind WHEN 'change_set' THEN 'change_sets' WHEN 'submitted' THEN 'submissions'
        WHEN 'approved' THEN 'approvals' WHEN 'rejected' THEN 'rejections' WHEN 'reopened' THEN 'reopens'
        WHEN 'review_claimed' THEN 'claims' WHEN 'review_released' THEN 'releases' WHEN 'review_lapsed' THEN 'lapses'
        WHEN 'tile_imported' THEN 'imports' WHEN 'lease_claimed' THEN 'leases' ELSE 'other_events' END $$;

-- Adds figures to dash_activity: for each i, p_n[i] to column p_what[i] of user p_users[i]'s row
-- of the day (p_ops to change_sets' ops). One statement, rows in user order.
CREATE FUNCTION dashboard_add(p_project integer, p_day date, p_users integer[], p_what text[], p_n bigint[],
                              p_ops bigint)
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO dash_activity AS a (project_id, day, user_id, change_sets, ops, submissions, approvals, rejections,
        reopens, claims, releases, lapses, imports, leases, other_events, tiles_submitted, submissions_approved,
        submissions_rejected, rework, reviews_approved, reviews_rejected, reviews_released, reviews_lapsed)
    SELECT p_project, p_day, u.user_id,
        coalesce(sum(u.n) FILTER (WHERE u.what = 'change_sets'), 0),
        coalesce(sum(p_ops) FILTER (WHERE u.what = 'change_sets'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'submissions'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'approvals'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'rejections'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'reopens'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'claims'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'releases'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'lapses'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'imports'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'leases'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'other_events'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'tiles_submitted'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'submissions_approved'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'submissions_rejected'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'rework'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'reviews_approved'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'reviews_rejected'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'reviews_released'), 0),
        coalesce(sum(u.n) FILTER (WHERE u.what = 'reviews_lapsed'), 0)
    FROM unnest(p_users, p_what, p_n) u(user_id, what, n)
    GROUP BY u.user_id ORDER BY u.user_id
    ON CONFLICT (project_id, day, user_id) DO UPDATE SET
        change_sets = a.change_sets + EXCLUDED.change_sets, ops = a.ops + EXCLUDED.ops,
        submissions = a.submissions + EXCLUDED.submissions, approvals = a.approvals + EXCLUDED.approvals,
        rejections = a.rejections + EXCLUDED.rejections, reopens = a.reopens + EXCLUDED.reopens,
        claims = a.claims + EXCLUDED.claims, releases = a.releases + EXCLUDED.releases,
        lapses = a.lapses + EXCLUDED.lapses, imports = a.imports + EXCLUDED.imports,
        leases = a.leases + EXCLUDED.leases, other_events = a.other_events + EXCLUDED.other_events,
        tiles_submitted = a.tiles_submitted + EXCLUDED.tiles_submitted,
        submissions_approved = a.submissions_approved + EXCLUDED.submissions_approved,
        submissions_rejected = a.submissions_rejected + EXCLUDED.submissions_rejected,
        rework = a.rework + EXCLUDED.rework, reviews_approved = a.reviews_approved + EXCLUDED.reviews_approved,
        reviews_rejected = a.reviews_rejected + EXCLUDED.reviews_rejected,
        reviews_released = a.reviews_released + EXCLUDED.reviews_released,
        reviews_lapsed = a.reviews_lapsed + EXCLUDED.reviews_lapsed;
END
$fn$;

-- Moves a tile from one state to another (null: entering or leaving the dashboards), in the
-- project's and its zones' counters and in the flows of the day. The caller updates dash_tile.
CREATE FUNCTION dashboard_move(p_project integer, p_tile text, p_day date, p_from tile_state, p_to tile_state,
                               p_area bigint)
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    v_slot integer := dashboard_slot(p_tile);
BEGIN
    PERFORM pg_advisory_xact_lock(7233184983304175616 + p_project::bigint * 64 + v_slot);  -- dashboard_lock
    INSERT INTO dash_state AS s (project_id, zone_id, slot, state, tiles, area_cm2)
    SELECT p_project, z.zone_id, v_slot, d.state, d.tiles, d.tiles * p_area
    FROM (SELECT 0 AS zone_id UNION ALL
          SELECT zt.zone_id FROM zone_tile zt WHERE zt.project_id = p_project AND zt.tile_key = p_tile) z
    CROSS JOIN (VALUES (p_from, -1), (p_to, 1)) d(state, tiles)
    WHERE d.state IS NOT NULL
    ORDER BY 2, 4
    ON CONFLICT (project_id, zone_id, slot, state)
        DO UPDATE SET tiles = s.tiles + EXCLUDED.tiles, area_cm2 = s.area_cm2 + EXCLUDED.area_cm2;
    INSERT INTO dash_flow AS f (project_id, day, slot, state, tiles)
    SELECT p_project, p_day, v_slot, d.state, d.tiles
    FROM (VALUES (p_from, -1), (p_to, 1)) d(state, tiles) WHERE d.state IS NOT NULL ORDER BY 4
    ON CONFLICT (project_id, day, slot, state) DO UPDATE SET tiles = f.tiles + EXCLUDED.tiles;
    INSERT INTO dash_tile_flow AS f (project_id, tile_key, day, state, tiles)
    SELECT p_project, p_tile, p_day, d.state, d.tiles
    FROM (VALUES (p_from, -1), (p_to, 1)) d(state, tiles) WHERE d.state IS NOT NULL
    ON CONFLICT (project_id, tile_key, day, state) DO UPDATE SET tiles = f.tiles + EXCLUDED.tiles;
END
$fn$;

-- A tile's area changed (it was imported again): its state's area, in the project and zones.
CREATE FUNCTION dashboard_area(p_project integer, p_tile text, p_state tile_state, p_delta bigint)
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    v_slot integer := dashboard_slot(p_tile);
BEGIN
    PERFORM dashboard_lock(p_project, v_slot);
    INSERT INTO dash_state AS s (project_id, zone_id, slot, state, tiles, area_cm2)
    SELECT p_project, z.zone_id, v_slot, p_state, 0, p_delta
    FROM (SELECT 0 AS zone_id UNION ALL
          SELECT zt.zone_id FROM zone_tile zt WHERE zt.project_id = p_project AND zt.tile_key = p_tile) z
    ORDER BY 2
    ON CONFLICT (project_id, zone_id, slot, state) DO UPDATE SET area_cm2 = s.area_cm2 + EXCLUDED.area_cm2;
END
$fn$;

-- An import's area goes into its event, so that the log holds it.
CREATE FUNCTION dashboard_import_area() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF NOT NEW.payload ? 'area_m2' THEN
        NEW.payload := NEW.payload || jsonb_build_object('area_m2',
            (SELECT coalesce(sum(ST_Area(f.geom)), 0) FROM feature f
             WHERE f.project_id = NEW.project_id AND f.tile_key = NEW.tile_key));
    END IF;
    RETURN NEW;
END
$fn$;

-- Folds one event into the rollups (in the order of the log: see dashboard_fold).
CREATE FUNCTION dashboard_apply_event(e event) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    v_day date := dashboard_day(e.at);
    v_actor integer := coalesce(e.actor_id, 0);
    v_to tile_state;
    v_tile dash_tile%ROWTYPE;
    v_known boolean;
    v_area bigint;
    v_open boolean;
    v_ops bigint := 0;
    -- The figures this event adds (dashboard_add): the actor's first.
    v_users integer[] := ARRAY[coalesce(e.actor_id, 0)];
    v_what text[] := ARRAY[dashboard_column(e.kind)];
BEGIN
    -- Most events (change sets within a state, leases) are one counter of their actor.
    IF e.kind = 'change_set' THEN
        v_ops := coalesce(dashboard_number(e.payload->>'ops'), 0)::bigint;
        IF e.payload->>'state_to' IS NOT DISTINCT FROM e.payload->>'state_from' THEN
            INSERT INTO dash_activity AS a (project_id, day, user_id, change_sets, ops)
            VALUES (e.project_id, v_day, v_actor, 1, v_ops)
            ON CONFLICT (project_id, day, user_id)
                DO UPDATE SET change_sets = a.change_sets + 1, ops = a.ops + EXCLUDED.ops;
            RETURN;
        END IF;
    ELSIF e.kind NOT IN ('tile_imported', 'submitted', 'review_claimed', 'approved', 'rejected', 'reopened',
                           'review_released', 'review_lapsed', 'published') THEN
        INSERT INTO dash_activity AS a (project_id, day, user_id, leases, other_events)
        VALUES (e.project_id, v_day, v_actor, (e.kind = 'lease_claimed')::integer,
                (e.kind <> 'lease_claimed')::integer)
        ON CONFLICT (project_id, day, user_id)
            DO UPDATE SET leases = a.leases + EXCLUDED.leases, other_events = a.other_events + EXCLUDED.other_events;
        RETURN;
    END IF;

    v_to := dashboard_target(e.kind, e.payload);
    SELECT * INTO v_tile FROM dash_tile WHERE project_id = e.project_id AND tile_key = e.tile_key FOR UPDATE;
    v_known := FOUND;
    IF e.kind = 'tile_imported' THEN
        v_area := round(coalesce(dashboard_number(e.payload->>'area_m2'), 0) * 10000)::bigint;
        IF NOT v_known THEN
            INSERT INTO dash_tile (project_id, tile_key, state, area_cm2)
            VALUES (e.project_id, e.tile_key, 'todo', v_area);
            PERFORM dashboard_move(e.project_id, e.tile_key, v_day, NULL, 'todo', v_area);
        ELSIF v_tile.area_cm2 <> v_area THEN
            UPDATE dash_tile SET area_cm2 = v_area WHERE project_id = e.project_id AND tile_key = e.tile_key;
            PERFORM dashboard_area(e.project_id, e.tile_key, v_tile.state, v_area - v_tile.area_cm2);
        END IF;
        PERFORM dashboard_add(e.project_id, v_day, v_users, v_what, ARRAY[1::bigint], 0);
        RETURN;
    END IF;

    IF v_to IS NOT NULL THEN
        IF NOT v_known THEN
            v_tile.project_id := e.project_id;
            v_tile.tile_key := e.tile_key;
            v_tile.state := coalesce(dashboard_source(e.kind, e.payload), v_to);
            v_tile.area_cm2 := 0;
            INSERT INTO dash_tile (project_id, tile_key, state, area_cm2)
            VALUES (e.project_id, e.tile_key, v_tile.state, 0);
            PERFORM dashboard_move(e.project_id, e.tile_key, v_day, NULL, v_tile.state, 0);
            v_known := true;
        END IF;
        IF v_to <> v_tile.state THEN
            PERFORM dashboard_move(e.project_id, e.tile_key, v_day, v_tile.state, v_to, v_tile.area_cm2);
            v_tile.state := v_to;
        END IF;
    END IF;

    IF v_known THEN
        v_open := v_tile.claimed_at IS NOT NULL;
        CASE e.kind
        WHEN 'submitted' THEN
            IF v_tile.verdict = 'rejected' AND v_tile.submitter_id IS NOT NULL THEN
                v_users := v_users || v_tile.submitter_id;
                v_what := v_what || 'rework'::text;
            END IF;
            INSERT INTO dash_submitter (project_id, user_id, tile_key) VALUES (e.project_id, v_actor, e.tile_key)
            ON CONFLICT DO NOTHING;
            IF FOUND THEN
                v_users := v_users || v_actor;
                v_what := v_what || 'tiles_submitted'::text;
            END IF;
            v_tile.submitter_id := v_actor;
            v_tile.verdict := 'submitted';
        WHEN 'review_claimed' THEN
            v_tile.reviewer_id := v_actor;
            v_tile.claimed_at := e.at;
        WHEN 'approved', 'rejected' THEN
            IF v_tile.submitter_id IS NOT NULL THEN
                v_users := v_users || v_tile.submitter_id;
                v_what := v_what || ('submissions_' || e.kind);
            END IF;
            IF v_open THEN
                v_users := v_users || v_tile.reviewer_id;
                v_what := v_what || ('reviews_' || e.kind);
                INSERT INTO dash_review_time AS r (project_id, user_id, seconds, n)
                VALUES (e.project_id, v_tile.reviewer_id,
                        greatest(0, floor(extract(epoch FROM e.at - v_tile.claimed_at)))::integer, 1)
                ON CONFLICT (project_id, user_id, seconds) DO UPDATE SET n = r.n + 1;
                IF e.kind = 'rejected' AND jsonb_typeof(e.payload->'reasons') = 'array' THEN
                    INSERT INTO dash_reason AS r (project_id, user_id, reason, n)
                    SELECT e.project_id, v_tile.reviewer_id, x.reason, count(*)
                    FROM jsonb_array_elements_text(e.payload->'reasons') x(reason) GROUP BY x.reason ORDER BY 3
                    ON CONFLICT (project_id, user_id, reason) DO UPDATE SET n = r.n + EXCLUDED.n;
                END IF;
            END IF;
            v_tile.verdict := e.kind;
            v_tile.claimed_at := NULL;
        WHEN 'review_released', 'review_lapsed', 'reopened' THEN
            IF v_open THEN
                v_users := v_users || v_tile.reviewer_id;
                v_what := v_what || CASE WHEN e.kind = 'review_lapsed' THEN 'reviews_lapsed'
                                         ELSE 'reviews_released' END;
            END IF;
            v_tile.claimed_at := NULL;
        ELSE
        END CASE;
        UPDATE dash_tile SET state = v_tile.state, submitter_id = v_tile.submitter_id, verdict = v_tile.verdict,
                             reviewer_id = v_tile.reviewer_id, claimed_at = v_tile.claimed_at
        WHERE project_id = e.project_id AND tile_key = e.tile_key;
    END IF;
    PERFORM dashboard_add(e.project_id, v_day, v_users, v_what, array_fill(1::bigint, ARRAY[cardinality(v_users)]),
                          v_ops);
    RETURN;
END
$fn$;

-- Events are not folded as they are written: a writer only queues the event's id (one small
-- insert, no shared counter to wait for), and dashboard_fold applies the queued events, in the
-- order of the log, before each dashboard read and every few seconds from the server. Only
-- committed events are ever seen, and the events of one tile are written under its writer lock,
-- so their ids follow their commits.
CREATE TABLE dash_pending (id bigint PRIMARY KEY);

CREATE FUNCTION dashboard_queue_event() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO dash_pending (id) VALUES (NEW.id);
    RETURN NULL;
END
$fn$;

-- Applies up to p_limit queued events (one folder at a time across every instance: the others
-- wait, then fold what is left, so a read after a commit always sees it); returns how many.
CREATE FUNCTION dashboard_fold(p_limit integer) RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE
    r event%ROWTYPE;
    n integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(7233184983304175615);
    FOR r IN SELECT e.* FROM dash_pending p JOIN event e ON e.id = p.id ORDER BY p.id LIMIT p_limit LOOP
        PERFORM dashboard_apply_event(r);
        n := n + 1;
    END LOOP;
    DELETE FROM dash_pending WHERE id IN (SELECT id FROM dash_pending ORDER BY id LIMIT n);
    RETURN n;
END
$fn$;


CREATE TRIGGER event_import_area BEFORE INSERT ON event
    FOR EACH ROW WHEN (NEW.kind = 'tile_imported' AND NEW.project_id IS NOT NULL AND NEW.tile_key IS NOT NULL)
    EXECUTE FUNCTION dashboard_import_area();
CREATE TRIGGER event_dashboards AFTER INSERT ON event
    FOR EACH ROW WHEN (NEW.project_id IS NOT NULL AND NEW.tile_key IS NOT NULL)
    EXECUTE FUNCTION dashboard_queue_event();

-- Zone membership: a zone's counters follow the tiles added to it and removed from it. Every
-- slot of the project is locked, in order: a zone definition (a delete and an insert) then never
-- waits for another while holding some.
CREATE FUNCTION dashboard_zone_apply(p_zones integer[], p_projects integer[], p_tiles text[], p_sign integer)
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT p.project_id, s.slot FROM (SELECT DISTINCT unnest(p_projects) AS project_id) p
             CROSS JOIN generate_series(0, 63) s(slot) ORDER BY 1, 2 LOOP
        PERFORM dashboard_lock(r.project_id, r.slot);
    END LOOP;
    INSERT INTO dash_state AS s (project_id, zone_id, slot, state, tiles, area_cm2)
    SELECT d.project_id, u.zone_id, dashboard_slot(d.tile_key), d.state, p_sign * count(*), p_sign * sum(d.area_cm2)
    FROM unnest(p_zones, p_projects, p_tiles) u(zone_id, project_id, tile_key)
    JOIN dash_tile d ON d.project_id = u.project_id AND d.tile_key = u.tile_key
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (project_id, zone_id, slot, state)
        DO UPDATE SET tiles = s.tiles + EXCLUDED.tiles, area_cm2 = s.area_cm2 + EXCLUDED.area_cm2;
END
$fn$;

CREATE FUNCTION dashboard_zone_added() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM dashboard_zone_apply(array_agg(zone_id), array_agg(project_id), array_agg(tile_key), 1) FROM new_rows;
    RETURN NULL;
END
$fn$;
CREATE FUNCTION dashboard_zone_removed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM dashboard_zone_apply(array_agg(zone_id), array_agg(project_id), array_agg(tile_key), -1) FROM old_rows;
    RETURN NULL;
END
$fn$;
CREATE FUNCTION dashboard_zone_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM dashboard_zone_apply(array_agg(zone_id), array_agg(project_id), array_agg(tile_key), -1) FROM old_rows;
    PERFORM dashboard_zone_apply(array_agg(zone_id), array_agg(project_id), array_agg(tile_key), 1) FROM new_rows;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER zone_tile_added AFTER INSERT ON zone_tile REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_zone_added();
CREATE TRIGGER zone_tile_removed AFTER DELETE ON zone_tile REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_zone_removed();
CREATE TRIGGER zone_tile_changed AFTER UPDATE ON zone_tile REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_zone_changed();

-- Quality issues: counts per tile, code and severity, and the slot sums (a tile is counted for a
-- code when its count goes from zero to more, and back).
CREATE FUNCTION dashboard_qc_apply(p_projects integer[], p_tiles text[], p_codes text[], p_blocking boolean[],
                                   p_delta integer[])
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    r record;
BEGIN
    IF coalesce(cardinality(p_tiles), 0) = 0 THEN
        RETURN;
    END IF;
    FOR r IN SELECT DISTINCT u.project_id, dashboard_slot(u.tile_key) AS slot
             FROM unnest(p_projects, p_tiles) u(project_id, tile_key) ORDER BY 1, 2 LOOP
        PERFORM dashboard_lock(r.project_id, r.slot);
    END LOOP;
    WITH d AS (
        SELECT * FROM unnest(p_projects, p_tiles, p_codes, p_blocking, p_delta)
            AS u(project_id, tile_key, code, blocking, delta)),
    t AS (
        INSERT INTO dash_qc_tile AS q (project_id, tile_key, code, blocking, issues)
        SELECT project_id, tile_key, code, blocking, delta FROM d ORDER BY 1, 2, 3, 4
        ON CONFLICT (project_id, tile_key, code, blocking) DO UPDATE SET issues = q.issues + EXCLUDED.issues
        RETURNING q.project_id, q.tile_key, q.code, q.blocking, q.issues)
    INSERT INTO dash_qc AS c (project_id, slot, code, blocking, issues, tiles)
    SELECT t.project_id, dashboard_slot(t.tile_key), t.code, t.blocking, sum(d.delta),
           sum((t.issues > 0)::integer - (t.issues - d.delta > 0)::integer)
    FROM t JOIN d USING (project_id, tile_key, code, blocking)
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (project_id, slot, code, blocking)
        DO UPDATE SET issues = c.issues + EXCLUDED.issues, tiles = c.tiles + EXCLUDED.tiles;
END
$fn$;

CREATE FUNCTION dashboard_qc_added() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM dashboard_qc_apply(array_agg(project_id), array_agg(tile_key), array_agg(code), array_agg(blocking),
                               array_agg(delta))
    FROM (SELECT project_id, tile_key, code, blocking, count(*)::integer AS delta FROM new_rows
          GROUP BY 1, 2, 3, 4) d;
    RETURN NULL;
END
$fn$;
CREATE FUNCTION dashboard_qc_removed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM dashboard_qc_apply(array_agg(project_id), array_agg(tile_key), array_agg(code), array_agg(blocking),
                               array_agg(delta))
    FROM (SELECT project_id, tile_key, code, blocking, -count(*)::integer AS delta FROM old_rows
          GROUP BY 1, 2, 3, 4) d;
    RETURN NULL;
END
$fn$;
CREATE FUNCTION dashboard_qc_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM dashboard_qc_apply(array_agg(project_id), array_agg(tile_key), array_agg(code), array_agg(blocking),
                               array_agg(delta))
    FROM (SELECT project_id, tile_key, code, blocking, sum(delta)::integer AS delta
          FROM (SELECT project_id, tile_key, code, blocking, 1 AS delta FROM new_rows
                UNION ALL
                SELECT project_id, tile_key, code, blocking, -1 FROM old_rows) x
          GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0) d;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER qc_issue_added AFTER INSERT ON qc_issue REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_qc_added();
CREATE TRIGGER qc_issue_removed AFTER DELETE ON qc_issue REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_qc_removed();
CREATE TRIGGER qc_issue_changed AFTER UPDATE ON qc_issue REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_qc_changed();

-- Conflicts: rare (a change set refused), one row each; the day's row is shared by everyone
-- refused that day, the others are per tile and per user.
CREATE FUNCTION dashboard_record_conflict() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    v_day date := dashboard_day(NEW.at);
    v_new_pair integer;
    v_new_day integer;
BEGIN
    INSERT INTO dash_conflict_tile_user (project_id, tile_key, user_id)
    VALUES (NEW.project_id, NEW.tile_key, NEW.user_id) ON CONFLICT DO NOTHING;
    v_new_pair := FOUND::integer;
    INSERT INTO dash_conflict_day_user (project_id, day, user_id) VALUES (NEW.project_id, v_day, NEW.user_id)
    ON CONFLICT DO NOTHING;
    v_new_day := FOUND::integer;
    INSERT INTO dash_conflict_tile AS t (project_id, tile_key, conflicts, users, last_at)
    VALUES (NEW.project_id, NEW.tile_key, 1, v_new_pair, NEW.at)
    ON CONFLICT (project_id, tile_key) DO UPDATE SET conflicts = t.conflicts + 1, users = t.users + EXCLUDED.users,
        last_at = greatest(t.last_at, EXCLUDED.last_at);
    INSERT INTO dash_conflict_user AS u (project_id, user_id, conflicts, tiles)
    VALUES (NEW.project_id, NEW.user_id, 1, v_new_pair)
    ON CONFLICT (project_id, user_id) DO UPDATE SET conflicts = u.conflicts + 1, tiles = u.tiles + EXCLUDED.tiles;
    INSERT INTO dash_conflict_day AS d (project_id, day, conflicts, users)
    VALUES (NEW.project_id, v_day, 1, v_new_day)
    ON CONFLICT (project_id, day) DO UPDATE SET conflicts = d.conflicts + 1, users = d.users + EXCLUDED.users;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER conflict_dashboards AFTER INSERT ON conflict
    FOR EACH ROW EXECUTE FUNCTION dashboard_record_conflict();

-- Emptying a source table empties what was derived from it.
CREATE FUNCTION dashboard_truncated() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_TABLE_NAME = 'event' THEN
        TRUNCATE dash_tile, dash_state, dash_flow, dash_tile_flow, dash_activity, dash_submitter, dash_review_time,
                 dash_reason, dash_pending;
    ELSIF TG_TABLE_NAME = 'qc_issue' THEN
        TRUNCATE dash_qc_tile, dash_qc;
    ELSIF TG_TABLE_NAME = 'zone_tile' THEN
        DELETE FROM dash_state WHERE zone_id <> 0;
    ELSIF TG_TABLE_NAME = 'conflict' THEN
        TRUNCATE dash_conflict_day, dash_conflict_tile, dash_conflict_user, dash_conflict_day_user,
                 dash_conflict_tile_user;
    END IF;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER event_truncated AFTER TRUNCATE ON event FOR EACH STATEMENT EXECUTE FUNCTION dashboard_truncated();
CREATE TRIGGER qc_issue_truncated AFTER TRUNCATE ON qc_issue FOR EACH STATEMENT EXECUTE FUNCTION dashboard_truncated();
CREATE TRIGGER conflict_truncated AFTER TRUNCATE ON conflict
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_truncated();
CREATE TRIGGER zone_tile_truncated AFTER TRUNCATE ON zone_tile
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_truncated();

-- --------------------------------------------------------------------------------- rebuilding

-- Recomputes every rollup of a project from the event log (and qc_issue, zone_tile), set-based:
-- the same rules as dashboard_apply_event, applied to the whole log at once. Blocks writers of
-- those tables until the calling transaction ends.
CREATE FUNCTION dashboard_rebuild(p_project integer) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    LOCK TABLE event, qc_issue, zone_tile, conflict IN SHARE MODE;
    PERFORM set_config('work_mem', '256MB', true);
    DELETE FROM dash_pending WHERE id IN (SELECT id FROM event WHERE project_id = p_project);
    DELETE FROM dash_tile WHERE project_id = p_project;
    DELETE FROM dash_state WHERE project_id = p_project;
    DELETE FROM dash_flow WHERE project_id = p_project;
    DELETE FROM dash_tile_flow WHERE project_id = p_project;
    DELETE FROM dash_activity WHERE project_id = p_project;
    DELETE FROM dash_submitter WHERE project_id = p_project;
    DELETE FROM dash_review_time WHERE project_id = p_project;
    DELETE FROM dash_reason WHERE project_id = p_project;
    DELETE FROM dash_qc_tile WHERE project_id = p_project;
    DELETE FROM dash_qc WHERE project_id = p_project;
    DELETE FROM dash_conflict_day WHERE project_id = p_project;
    DELETE FROM dash_conflict_tile WHERE project_id = p_project;
    DELETE FROM dash_conflict_user WHERE project_id = p_project;
    DELETE FROM dash_conflict_day_user WHERE project_id = p_project;
    DELETE FROM dash_conflict_tile_user WHERE project_id = p_project;

    -- Every event, counted for its actor (its column, and 'ops' for the operations of change sets).
    CREATE TEMP TABLE dash_figures ON COMMIT DROP AS
    SELECT dashboard_day(e.at) AS day, coalesce(e.actor_id, 0) AS user_id, dashboard_column(e.kind) AS what,
           count(*) AS n
    FROM event e WHERE e.project_id = p_project AND e.tile_key IS NOT NULL
    GROUP BY 1, 2, 3
    UNION ALL
    SELECT dashboard_day(e.at), coalesce(e.actor_id, 0), 'ops',
           coalesce(sum(dashboard_number(e.payload->>'ops')), 0)::bigint
    FROM event e WHERE e.project_id = p_project AND e.tile_key IS NOT NULL AND e.kind = 'change_set'
    GROUP BY 1, 2;

    -- The events that matter beyond counting: every one but the change sets within a state.
    CREATE TEMP TABLE dash_events ON COMMIT DROP AS
    SELECT e.id, e.tile_key, e.kind, coalesce(e.actor_id, 0) AS actor, e.at, dashboard_day(e.at) AS day, e.payload,
           dashboard_target(e.kind, e.payload) AS target
    FROM event e
    WHERE e.project_id = p_project AND e.tile_key IS NOT NULL
      AND (e.kind <> 'change_set' OR e.payload->>'state_to' IS DISTINCT FROM e.payload->>'state_from');

    -- The events that place a tile in a state: its first import, and every state change.
    CREATE TEMP TABLE dash_moves ON COMMIT DROP AS
    SELECT x.*, coalesce(x.target, x.entering) AS state_after,
           lag(coalesce(x.target, x.entering)) OVER (PARTITION BY x.tile_key ORDER BY x.id) AS state_before
    FROM (SELECT e.id, e.tile_key, e.day, e.target,
                 CASE WHEN e.kind = 'tile_imported' THEN 'todo'::tile_state
                      ELSE coalesce(dashboard_source(e.kind, e.payload), e.target) END AS entering,
                 row_number() OVER (PARTITION BY e.tile_key ORDER BY e.id) AS rank
          FROM dash_events e
          WHERE e.kind = 'tile_imported' OR e.target IS NOT NULL) x
    WHERE x.target IS NOT NULL OR x.rank = 1;
    -- (rank 1 is the tile's first import or state change; later imports change no state.)

    -- A tile's first move enters it in the state it came with; every move leaves the state before.
    CREATE TEMP TABLE dash_deltas ON COMMIT DROP AS
    SELECT tile_key, day, state, sum(tiles)::integer AS tiles FROM (
        SELECT tile_key, day, entering AS state, 1 AS tiles FROM dash_moves WHERE state_before IS NULL
        UNION ALL
        SELECT tile_key, day, coalesce(state_before, entering), -1 FROM dash_moves
        WHERE state_after <> coalesce(state_before, entering)
        UNION ALL
        SELECT tile_key, day, state_after, 1 FROM dash_moves
        WHERE state_after <> coalesce(state_before, entering)) d
    GROUP BY 1, 2, 3;
    INSERT INTO dash_tile_flow (project_id, tile_key, day, state, tiles)
    SELECT p_project, tile_key, day, state, tiles FROM dash_deltas ORDER BY 2, 3, 4;
    INSERT INTO dash_flow (project_id, day, slot, state, tiles)
    SELECT p_project, day, dashboard_slot(tile_key), state, sum(tiles) FROM dash_deltas GROUP BY 2, 3, 4;

    -- Each tile's state now, and the area of its last import.
    INSERT INTO dash_tile (project_id, tile_key, state, area_cm2)
    SELECT DISTINCT ON (m.tile_key) p_project, m.tile_key, m.state_after, coalesce(a.area_cm2, 0)
    FROM dash_moves m
    LEFT JOIN (SELECT DISTINCT ON (e.tile_key) e.tile_key,
                      -- Imports logged before the area was (this migration): the features' area.
                      round(coalesce(dashboard_number(e.payload->>'area_m2'),
                                     (SELECT sum(ST_Area(f.geom)) FROM feature f
                                      WHERE f.project_id = p_project AND f.tile_key = e.tile_key), 0) * 10000)::bigint
                          AS area_cm2
               FROM dash_events e WHERE e.kind = 'tile_imported'
               ORDER BY e.tile_key, e.id DESC) a ON a.tile_key = m.tile_key
    ORDER BY m.tile_key, m.id DESC;

    -- The review cycle of every tile: who submitted it last, which review is open.
    CREATE TEMP TABLE dash_cycle ON COMMIT DROP AS
    SELECT w.*,
           CASE WHEN w.sub_grp > 0 THEN first_value(w.actor) OVER (PARTITION BY w.tile_key, w.sub_grp ORDER BY w.id)
           END AS submitter,
           CASE WHEN w.claim_grp > 0 THEN first_value(w.actor) OVER (PARTITION BY w.tile_key, w.claim_grp ORDER BY w.id)
           END AS reviewer,
           CASE WHEN w.claim_grp > 0 THEN first_value(w.at) OVER (PARTITION BY w.tile_key, w.claim_grp ORDER BY w.id)
           END AS claimed_at,
           count(*) FILTER (WHERE w.kind IN ('approved', 'rejected', 'review_released', 'review_lapsed', 'reopened'))
               OVER (PARTITION BY w.tile_key, w.claim_grp ORDER BY w.id) AS ends
    FROM (SELECT e.id, e.tile_key, e.kind, e.actor, e.at, e.day, e.payload,
                 count(*) FILTER (WHERE e.kind = 'submitted') OVER (PARTITION BY e.tile_key ORDER BY e.id) AS sub_grp,
                 count(*) FILTER (WHERE e.kind = 'review_claimed') OVER (PARTITION BY e.tile_key ORDER BY e.id)
                     AS claim_grp
          FROM dash_events e
          WHERE e.kind IN ('submitted', 'review_claimed', 'approved', 'rejected', 'review_released', 'review_lapsed',
                           'reopened')) w;

    -- Figures attributed to someone else than the actor (see dash_activity).
    INSERT INTO dash_figures (day, user_id, what, n)
    SELECT day, user_id, what, count(*) FROM (
        SELECT day, submitter AS user_id, 'submissions_' || kind AS what FROM dash_cycle
        WHERE kind IN ('approved', 'rejected') AND submitter IS NOT NULL
        UNION ALL
        SELECT day, reviewer, CASE kind WHEN 'approved' THEN 'reviews_approved' WHEN 'rejected' THEN 'reviews_rejected'
                                        WHEN 'review_lapsed' THEN 'reviews_lapsed' ELSE 'reviews_released' END
        FROM dash_cycle WHERE kind <> 'submitted' AND kind <> 'review_claimed' AND ends = 1 AND claim_grp > 0
        UNION ALL
        SELECT day, prev_submitter, 'rework' FROM (
            SELECT day, kind, lag(kind) OVER v AS prev_kind, lag(submitter) OVER v AS prev_submitter
            FROM dash_cycle WHERE kind IN ('submitted', 'approved', 'rejected')
            WINDOW v AS (PARTITION BY tile_key ORDER BY id)) s
        WHERE kind = 'submitted' AND prev_kind = 'rejected' AND prev_submitter IS NOT NULL
        UNION ALL
        (SELECT DISTINCT ON (tile_key, actor) day, actor, 'tiles_submitted' FROM dash_cycle WHERE kind = 'submitted'
         ORDER BY tile_key, actor, id)) a
    GROUP BY 1, 2, 3;

    INSERT INTO dash_activity (project_id, day, user_id, change_sets, ops, submissions, approvals, rejections,
        reopens, claims, releases, lapses, imports, leases, other_events, tiles_submitted, submissions_approved,
        submissions_rejected, rework, reviews_approved, reviews_rejected, reviews_released, reviews_lapsed)
    SELECT p_project, day, user_id,
        coalesce(sum(n) FILTER (WHERE what = 'change_sets'), 0), coalesce(sum(n) FILTER (WHERE what = 'ops'), 0),
        coalesce(sum(n) FILTER (WHERE what = 'submissions'), 0), coalesce(sum(n) FILTER (WHERE what = 'approvals'), 0),
        coalesce(sum(n) FILTER (WHERE what = 'rejections'), 0), coalesce(sum(n) FILTER (WHERE what = 'reopens'), 0),
        coalesce(sum(n) FILTER (WHERE what = 'claims'), 0), coalesce(sum(n) FILTER (WHERE what = 'releases'), 0),
        coalesce(sum(n) FILTER (WHERE what = 'lapses'), 0), coalesce(sum(n) FILTER (WHERE what = 'imports'), 0),
        coalesce(sum(n) FILTER (WHERE what = 'leases'), 0), coalesce(sum(n) FILTER (WHERE what = 'other_events'), 0),
        coalesce(sum(n) FILTER (WHERE what = 'tiles_submitted'), 0),
        coalesce(sum(n) FILTER (WHERE what = 'submissions_approved'), 0),
        coalesce(sum(n) FILTER (WHERE what = 'submissions_rejected'), 0),
        coalesce(sum(n) FILTER (WHERE what = 'rework'), 0),
        coalesce(sum(n) FILTER (WHERE what = 'reviews_approved'), 0),
        coalesce(sum(n) FILTER (WHERE what = 'reviews_rejected'), 0),
        coalesce(sum(n) FILTER (WHERE what = 'reviews_released'), 0),
        coalesce(sum(n) FILTER (WHERE what = 'reviews_lapsed'), 0)
    FROM dash_figures GROUP BY day, user_id ORDER BY day, user_id;

    INSERT INTO dash_submitter (project_id, user_id, tile_key)
    SELECT DISTINCT p_project, actor, tile_key FROM dash_cycle WHERE kind = 'submitted' ORDER BY 2, 3;

    INSERT INTO dash_review_time (project_id, user_id, seconds, n)
    SELECT p_project, reviewer, greatest(0, floor(extract(epoch FROM at - claimed_at)))::integer, count(*)
    FROM dash_cycle WHERE kind IN ('approved', 'rejected') AND ends = 1 AND claim_grp > 0
    GROUP BY 2, 3;

    INSERT INTO dash_reason (project_id, user_id, reason, n)
    SELECT p_project, c.reviewer, r.reason, count(*)
    FROM dash_cycle c CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(c.payload->'reasons') = 'array' THEN c.payload->'reasons' ELSE '[]' END) r(reason)
    WHERE c.kind = 'rejected' AND c.ends = 1 AND c.claim_grp > 0
    GROUP BY 2, 3;

    -- Each tile's review memory, as the trigger leaves it: its last submitter and verdict, its
    -- last reviewer, and the claim time while that review is open.
    UPDATE dash_tile d SET submitter_id = l.submitter, reviewer_id = l.reviewer, verdict = v.kind,
                           claimed_at = o.claimed_at
    FROM (SELECT DISTINCT ON (tile_key) tile_key, submitter, reviewer FROM dash_cycle ORDER BY tile_key, id DESC) l
    LEFT JOIN (SELECT DISTINCT ON (tile_key) tile_key, kind FROM dash_cycle
               WHERE kind IN ('submitted', 'approved', 'rejected') ORDER BY tile_key, id DESC) v
        ON v.tile_key = l.tile_key
    LEFT JOIN (SELECT DISTINCT ON (tile_key) tile_key, CASE WHEN kind = 'review_claimed' THEN at END AS claimed_at
               FROM dash_cycle WHERE kind <> 'submitted' ORDER BY tile_key, id DESC) o
        ON o.tile_key = l.tile_key
    WHERE d.project_id = p_project AND d.tile_key = l.tile_key;

    -- Counters by zone and state.
    INSERT INTO dash_state (project_id, zone_id, slot, state, tiles, area_cm2)
    SELECT p_project, 0, dashboard_slot(d.tile_key), d.state, count(*), sum(d.area_cm2)
    FROM dash_tile d WHERE d.project_id = p_project
    GROUP BY 3, 4
    UNION ALL
    SELECT p_project, zt.zone_id, dashboard_slot(d.tile_key), d.state, count(*), sum(d.area_cm2)
    FROM dash_tile d JOIN zone_tile zt ON zt.project_id = d.project_id AND zt.tile_key = d.tile_key
    WHERE d.project_id = p_project
    GROUP BY 2, 3, 4;

    -- Quality issues.
    INSERT INTO dash_qc_tile (project_id, tile_key, code, blocking, issues)
    SELECT p_project, tile_key, code, blocking, count(*) FROM qc_issue WHERE project_id = p_project
    GROUP BY 2, 3, 4 ORDER BY 2, 3, 4;
    INSERT INTO dash_qc (project_id, slot, code, blocking, issues, tiles)
    SELECT p_project, dashboard_slot(tile_key), code, blocking, sum(issues), count(*)
    FROM dash_qc_tile WHERE project_id = p_project GROUP BY 2, 3, 4;

    -- Conflicts.
    INSERT INTO dash_conflict_tile_user (project_id, tile_key, user_id)
    SELECT DISTINCT p_project, tile_key, user_id FROM conflict WHERE project_id = p_project ORDER BY 2, 3;
    INSERT INTO dash_conflict_day_user (project_id, day, user_id)
    SELECT DISTINCT p_project, dashboard_day(at), user_id FROM conflict WHERE project_id = p_project ORDER BY 2, 3;
    INSERT INTO dash_conflict_tile (project_id, tile_key, conflicts, users, last_at)
    SELECT p_project, tile_key, count(*), count(DISTINCT user_id), max(at) FROM conflict
    WHERE project_id = p_project GROUP BY 2;
    INSERT INTO dash_conflict_user (project_id, user_id, conflicts, tiles)
    SELECT p_project, user_id, count(*), count(DISTINCT tile_key) FROM conflict WHERE project_id = p_project
    GROUP BY 2;
    INSERT INTO dash_conflict_day (project_id, day, conflicts, users)
    SELECT p_project, dashboard_day(at), count(*), count(DISTINCT user_id) FROM conflict
    WHERE project_id = p_project GROUP BY 2;
END
$fn$;

-- A database that has a log already: its rollups from the whole log.
SELECT dashboard_rebuild(id) FROM project;
