-- Workflow (SPEC §2–3): territories and zones, review leases, reviews with structured reasons
-- and comments pinned on the map, lead priorities.

-- The project's territories: communes, EPCI, départements (loaded with `tessera territory load`).
CREATE TABLE territory (
    project_id   integer NOT NULL REFERENCES project(id),
    kind         text NOT NULL CHECK (kind IN ('commune', 'epci', 'departement')),
    code         text NOT NULL,
    name         text NOT NULL,
    epci         text,          -- for a commune: its EPCI (SIREN) and département
    departement  text,
    geom         geometry(MultiPolygon) NOT NULL,
    PRIMARY KEY (project_id, kind, code)
);
CREATE INDEX territory_geom_idx ON territory USING gist (geom);

-- A zone: what some people may see and touch. Defined by territories (communes, EPCI,
-- départements) or by tiles; resolved to tiles when defined.
CREATE TABLE zone (
    id           serial PRIMARY KEY,
    project_id   integer NOT NULL REFERENCES project(id),
    name         text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('commune', 'epci', 'departement', 'tiles')),
    codes        text[] NOT NULL,
    boost        real NOT NULL DEFAULT 0,   -- a lead's priority boost for the zone's tiles
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, name)
);
CREATE TABLE zone_tile (
    zone_id      integer NOT NULL REFERENCES zone(id) ON DELETE CASCADE,
    project_id   integer NOT NULL,
    tile_key     text NOT NULL,
    PRIMARY KEY (zone_id, tile_key),
    FOREIGN KEY (project_id, tile_key) REFERENCES tile(project_id, key)
);
CREATE INDEX zone_tile_tile_idx ON zone_tile (project_id, tile_key);
CREATE TABLE user_zone (
    user_id      integer NOT NULL REFERENCES app_user(id),
    zone_id      integer NOT NULL REFERENCES zone(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, zone_id)
);

-- A lease is for editing or for review (exclusive: the tile is in_review while it is held).
ALTER TABLE tile_lease ADD COLUMN kind text NOT NULL DEFAULT 'edit' CHECK (kind IN ('edit', 'review'));
-- A lead's override of a tile's priority score.
ALTER TABLE tile ADD COLUMN priority_override real;

-- One review of a tile: claimed, then approved, rejected, released or lapsed.
CREATE TABLE review (
    id           bigserial PRIMARY KEY,
    project_id   integer NOT NULL,
    tile_key     text NOT NULL,
    reviewer_id  integer NOT NULL REFERENCES app_user(id),
    tile_seq     bigint NOT NULL,           -- the tile's sequence number reviewed
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    ended_at     timestamptz,
    outcome      text CHECK (outcome IN ('approved', 'rejected', 'released', 'lapsed')),
    reasons      text[] NOT NULL DEFAULT '{}',
    comment      text NOT NULL DEFAULT '',
    FOREIGN KEY (project_id, tile_key) REFERENCES tile(project_id, key)
);
CREATE INDEX review_tile_idx ON review (project_id, tile_key, id);
CREATE INDEX review_reviewer_idx ON review (reviewer_id, claimed_at);

-- Comments pinned on the map (at a feature, or a point) by a reviewer.
CREATE TABLE review_comment (
    id           bigserial PRIMARY KEY,
    review_id    bigint NOT NULL REFERENCES review(id),
    project_id   integer NOT NULL,
    tile_key     text NOT NULL,
    author_id    integer NOT NULL REFERENCES app_user(id),
    feature_id   bigint,
    x_cm         bigint NOT NULL,
    y_cm         bigint NOT NULL,
    reason       text NOT NULL,
    text         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX review_comment_tile_idx ON review_comment (project_id, tile_key);

-- Dashboards read the event log by kind and time, and by actor.
CREATE INDEX event_actor_idx ON event (actor_id, at);

-- Edits apply only to tiles open for editing: the one-call path falls back (and the general
-- path refuses) when the tile is submitted, in review, approved or published.
CREATE OR REPLACE FUNCTION tessera_apply_classes(
    p_project integer, p_tile text, p_user integer, p_change_set text,
    p_ids bigint[], p_versions integer[], p_cs text[], p_us text[], p_lease_seconds integer)
RETURNS TABLE (o_fallback boolean, o_seq bigint, o_state text, o_id bigint, o_version integer, o_cs text, o_us text,
               o_reviewed boolean, o_wkb bytea, o_pred_cs text, o_pred_us text, o_pred_confidence real)
LANGUAGE plpgsql AS $fn$
DECLARE
    n integer := coalesce(array_length(p_ids, 1), 0);
    v_seq bigint;
    v_before tile_state;
    v_after tile_state;
    v_ok integer;
    v_written bigint[] := '{}';
    i integer;
BEGIN
    PERFORM pg_advisory_xact_lock(p_project, hashtext(p_tile));
    SELECT t.seq + 1, t.state INTO v_seq, v_before FROM tile t WHERE t.project_id = p_project AND t.key = p_tile;
    SELECT count(*) INTO v_ok FROM feature f
        JOIN unnest(p_ids, p_versions) AS r(id, version) ON f.id = r.id AND f.version = r.version
        WHERE f.project_id = p_project AND f.tile_key = p_tile;
    IF v_seq IS NULL OR v_before NOT IN ('todo', 'in_progress', 'rejected')
       OR v_ok <> n OR n = 0 OR (SELECT count(DISTINCT x) FROM unnest(p_ids) x) <> n
       OR EXISTS (SELECT 1 FROM change_set c WHERE c.project_id = p_project AND c.id = p_change_set) THEN
        o_fallback := true;
        RETURN NEXT;
        RETURN;
    END IF;
    FOR i IN 1 .. n LOOP
        UPDATE feature f SET code_cs = coalesce(nullif(p_cs[i], ''), f.code_cs),
                             code_us = coalesce(nullif(p_us[i], ''), f.code_us),
                             reviewed = true, version = f.version + 1, author_id = p_user, updated_at = now()
        WHERE f.id = p_ids[i]
          AND (NOT f.reviewed OR f.code_cs <> coalesce(nullif(p_cs[i], ''), f.code_cs)
               OR f.code_us <> coalesce(nullif(p_us[i], ''), f.code_us));
        IF FOUND THEN
            INSERT INTO feature_history (feature_id, version, project_id, tile_key, code_cs, code_us, geom, reviewed,
                                         author_id, tile_seq, change_set, prev_version)
            SELECT f.id, f.version, f.project_id, f.tile_key, f.code_cs, f.code_us, f.geom, f.reviewed, f.author_id,
                   v_seq, p_change_set, f.version - 1
            FROM feature f WHERE f.id = p_ids[i];
            v_written := v_written || p_ids[i];
        END IF;
    END LOOP;
    UPDATE tile t SET seq = v_seq,
        state = CASE WHEN t.state = 'todo' THEN 'in_progress'::tile_state ELSE t.state END, updated_at = now()
    WHERE t.project_id = p_project AND t.key = p_tile RETURNING t.state INTO v_after;
    INSERT INTO event (project_id, tile_key, tile_seq, kind, actor_id, payload)
    VALUES (p_project, p_tile, v_seq, 'change_set', p_user,
            jsonb_build_object('change_set', p_change_set, 'ops', n, 'written', to_jsonb(v_written),
                               'deleted', '[]'::jsonb, 'state_from', v_before, 'state_to', v_after));
    UPDATE tile_lease l SET expires_at = now() + make_interval(secs => p_lease_seconds)
    WHERE l.project_id = p_project AND l.tile_key = p_tile AND l.user_id = p_user;
    INSERT INTO change_set (project_id, id, tile_key, user_id, tile_seq, ops, outcome)
    VALUES (p_project, p_change_set, p_tile, p_user, v_seq, n, NULL);
    PERFORM pg_notify('tessera_tile', p_project || ' ' || p_tile || ' ' || v_seq);
    RETURN QUERY
        SELECT false, v_seq, v_after::text, f.id, f.version, f.code_cs, f.code_us, f.reviewed, ST_AsBinary(f.geom),
               f.pred_cs, f.pred_us, f.pred_confidence
        FROM feature f WHERE f.id = ANY(v_written) ORDER BY f.id;
    IF cardinality(v_written) = 0 THEN
        o_fallback := false;
        o_seq := v_seq;
        o_state := v_after::text;
        RETURN NEXT;
    END IF;
END
$fn$;
