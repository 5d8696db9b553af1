-- Collaborative editing: change sets (idempotency and their first outcome), conflicts, tile
-- leases, and the tile sequence number on every feature version (for resync).

ALTER TABLE feature_history ADD COLUMN tile_seq bigint;
ALTER TABLE feature_history ADD COLUMN change_set text;
ALTER TABLE feature_history ADD COLUMN prev_version integer;  -- the version this one replaced
CREATE INDEX feature_history_tile_seq_idx ON feature_history (project_id, tile_key, tile_seq);

-- Every applied change set, with the encoded acknowledgement it got: re-sending the same id
-- returns that first outcome and applies nothing.
CREATE TABLE change_set (
    project_id  integer NOT NULL REFERENCES project(id),
    id          text NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    tile_key    text NOT NULL,
    user_id     integer NOT NULL REFERENCES app_user(id),
    tile_seq    bigint NOT NULL,
    ops         integer NOT NULL,
    outcome     bytea,                 -- null: rebuilt from feature_history when asked again
    applied_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, id)
);

-- Change sets refused because someone changed the same aspect of a feature first.
CREATE TABLE conflict (
    id             bigserial PRIMARY KEY,
    project_id     integer NOT NULL REFERENCES project(id),
    tile_key       text NOT NULL,
    change_set     text NOT NULL,
    user_id        integer NOT NULL REFERENCES app_user(id),
    feature_ids    bigint[] NOT NULL,
    message        text NOT NULL,
    at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conflict_tile_idx ON conflict (project_id, tile_key, at);

-- Who works on a tile. One holder at a time; renewed by activity; lapses when idle.
CREATE TABLE tile_lease (
    project_id  integer NOT NULL,
    tile_key    text NOT NULL,
    user_id     integer NOT NULL REFERENCES app_user(id),
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (project_id, tile_key),
    FOREIGN KEY (project_id, tile_key) REFERENCES tile(project_id, key)
);

-- Writes one change set in one call (one round trip instead of a dozen): new versions of the
-- changed features (p_geom_hex null: geometry unchanged), new features (id <= 0: the caller's
-- temporary id), deletions, their history, the tile's next sequence number and state, the
-- event, the author's lease renewal and the NOTIFY that tells every instance. The caller holds
-- the tile row lock. Returns, per written feature, the caller's id, the stored id and version.
CREATE FUNCTION tessera_write_change(
    p_project integer, p_tile text, p_user integer, p_change_set text, p_ops integer,
    p_ids bigint[], p_cs text[], p_us text[], p_reviewed boolean[], p_geom_hex text[], p_inherit bigint[],
    p_deletes bigint[], p_srid integer, p_lease_seconds integer)
RETURNS TABLE (o_given bigint, o_id bigint, o_version integer, o_seq bigint, o_state text)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_seq bigint;
    v_before tile_state;
    v_after tile_state;
    v_id bigint;
    v_version integer;
    v_created integer := 0;
    v_deleted integer := 0;
    v_written bigint[] := '{}';
    i integer;
BEGIN
    SELECT t.seq + 1, t.state INTO v_seq, v_before FROM tile t WHERE t.project_id = p_project AND t.key = p_tile;
    FOR i IN 1 .. coalesce(array_length(p_ids, 1), 0) LOOP
        IF p_ids[i] > 0 THEN
            UPDATE feature f SET code_cs = p_cs[i], code_us = p_us[i], reviewed = p_reviewed[i],
                geom = CASE WHEN p_geom_hex[i] IS NULL THEN f.geom
                            ELSE ST_SetSRID(ST_GeomFromWKB(decode(p_geom_hex[i], 'hex')), p_srid) END,
                version = f.version + 1, author_id = p_user, updated_at = now()
            WHERE f.id = p_ids[i] AND f.project_id = p_project AND f.tile_key = p_tile
            RETURNING f.id, f.version INTO v_id, v_version;
            IF v_id IS NULL THEN
                RAISE EXCEPTION 'feature % is not in tile %', p_ids[i], p_tile;
            END IF;
        ELSE
            INSERT INTO feature (project_id, tile_key, code_cs, code_us, geom, reviewed, author_id,
                                 pred_cs, pred_us, pred_confidence, prediction_set_id)
            SELECT p_project, p_tile, p_cs[i], p_us[i], ST_SetSRID(ST_GeomFromWKB(decode(p_geom_hex[i], 'hex')), p_srid),
                   p_reviewed[i], p_user, o.pred_cs, o.pred_us, o.pred_confidence, o.prediction_set_id
            FROM (SELECT 1) one LEFT JOIN feature o ON o.id = p_inherit[i]
            RETURNING feature.id, feature.version INTO v_id, v_version;
            v_created := v_created + 1;
        END IF;
        INSERT INTO feature_history (feature_id, version, project_id, tile_key, code_cs, code_us, geom, reviewed,
                                     author_id, tile_seq, change_set, prev_version)
        SELECT f.id, f.version, f.project_id, f.tile_key, f.code_cs, f.code_us, f.geom, f.reviewed, f.author_id,
               v_seq, p_change_set, CASE WHEN f.version > 1 THEN f.version - 1 END
        FROM feature f WHERE f.id = v_id;
        v_written := v_written || v_id;
        o_given := p_ids[i];
        o_id := v_id;
        o_version := v_version;
        o_seq := v_seq;
        RETURN NEXT;
        v_id := NULL;
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(p_deletes, 1), 0) LOOP
        INSERT INTO feature_history (feature_id, version, project_id, tile_key, code_cs, code_us, geom, reviewed,
                                     author_id, tile_seq, change_set, prev_version)
        SELECT f.id, f.version + 1, f.project_id, f.tile_key, f.code_cs, f.code_us, NULL, f.reviewed, p_user,
               v_seq, p_change_set, f.version
        FROM feature f WHERE f.id = p_deletes[i] AND f.project_id = p_project AND f.tile_key = p_tile;
        DELETE FROM feature f WHERE f.id = p_deletes[i] AND f.project_id = p_project AND f.tile_key = p_tile;
        v_deleted := v_deleted + 1;
    END LOOP;
    UPDATE tile t SET seq = v_seq,
        state = CASE WHEN t.state = 'todo' THEN 'in_progress'::tile_state ELSE t.state END,
        feature_count = t.feature_count + v_created - v_deleted, updated_at = now()
    WHERE t.project_id = p_project AND t.key = p_tile RETURNING t.state INTO v_after;
    INSERT INTO event (project_id, tile_key, tile_seq, kind, actor_id, payload)
    VALUES (p_project, p_tile, v_seq, 'change_set', p_user,
            jsonb_build_object('change_set', p_change_set, 'ops', p_ops, 'written', to_jsonb(v_written),
                               'deleted', to_jsonb(coalesce(p_deletes, '{}')), 'state_from', v_before,
                               'state_to', v_after));
    UPDATE tile_lease l SET expires_at = now() + make_interval(secs => p_lease_seconds)
    WHERE l.project_id = p_project AND l.tile_key = p_tile AND l.user_id = p_user;
    PERFORM pg_notify('tessera_tile', p_project || ' ' || p_tile || ' ' || v_seq);
    -- A last row carries the sequence number and state even when nothing was written.
    o_given := NULL;
    o_id := NULL;
    o_version := NULL;
    o_seq := v_seq;
    o_state := v_after::text;
    RETURN NEXT;
END
$fn$;

-- Edits update feature and tile rows in place: leave room in each page so that updates that do
-- not touch an indexed column stay on the page (HOT) and skip the spatial index.
ALTER TABLE feature SET (fillfactor = 70);
ALTER TABLE tile SET (fillfactor = 50);
-- The unique constraint on (project_id, tile_key, tile_seq) already indexes these columns.
DROP INDEX event_tile_idx;

-- The common correction in one call: a change set of set_class / confirm operations, each on a
-- different feature of the tile, each at the feature's current version. Takes the tile's writer
-- lock, applies, writes history, event, sequence, lease renewal, NOTIFY and the change-set
-- record. Returns one row per written feature with its new state and the sequence number; or a
-- single row with o_fallback = true, having written nothing, when anything is unusual (a
-- duplicate id, a missing feature, a stale version): the caller then takes the general path.
CREATE FUNCTION tessera_apply_classes(
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
    IF v_seq IS NULL OR v_ok <> n OR n = 0 OR (SELECT count(DISTINCT x) FROM unnest(p_ids) x) <> n
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
