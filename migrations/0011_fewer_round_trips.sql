-- Fewer round trips on the editing path: the quality controls' read, opening a change set and
-- reading what it starts from, one call each.

-- The quality controls' read of one or more change sets in one call: for change set k (1-based)
-- on tile p_tiles[k], with the features p_ids[p_ids_end[k-1] + 1 : p_ids_end[k]] and the involved
-- features (touched or deleted) p_inv[p_inv_end[k-1] + 1 : p_inv_end[k]]:
--   part 0: the tile's quality status;
--   part 1: those features and every feature of the tile whose box comes within p_margin of
--           theirs, by id;
--   part 2: the tile's stored issues, edge mismatches excluded, that involve one of the involved
--           features, or are gaps inside the box of its features widened by a centimetre, by key.
-- One call replaces two statements a change set, and a group of class change sets reads all its
-- members' at once. Each change set is read by the same simple statements, looked up by key
-- (tile, ids), whose plans do not depend on how many change sets are read together. They are
-- planned once per connection (a custom plan each time costs more than the read), and only
-- through the keys' indexes (no sequential or bitmap scan): the plan may be made while a table
-- is still empty, and a plan that reads every stored issue of the project (through the index on
-- the codes, chosen when qc_issue was empty) was kept as the table grew: 45 ms a read.
CREATE FUNCTION tessera_qc_read(p_project integer, p_tiles text[], p_ids bigint[], p_ids_end integer[],
                                p_inv bigint[], p_inv_end integer[], p_margin double precision)
RETURNS TABLE (o_k integer, o_part integer,
               o_id bigint, o_cs text, o_us text, o_wkb bytea, o_reviewed boolean, o_predicted boolean,
               o_confidence real,
               o_whole_seq bigint, o_blocking integer, o_warnings integer,
               o_key text, o_code text, o_issue_blocking boolean, o_features text, o_x bigint, o_y bigint,
               o_message text, o_area double precision)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET enable_bitmapscan = off AS $fn$
DECLARE
    v_tile text;
    v_ids bigint[];
    v_inv bigint[];
    b record;
BEGIN
    FOR k IN 1 .. coalesce(cardinality(p_tiles), 0) LOOP
        v_tile := p_tiles[k];
        v_ids := coalesce(p_ids[coalesce(p_ids_end[k - 1], 0) + 1 : p_ids_end[k]], '{}');
        v_inv := coalesce(p_inv[coalesce(p_inv_end[k - 1], 0) + 1 : p_inv_end[k]], '{}');

        RETURN QUERY
        SELECT k, 0, NULL::bigint, NULL::text, NULL::text, NULL::bytea, NULL::boolean, NULL::boolean, NULL::real,
               s.qc_whole_seq, s.qc_blocking, s.qc_warnings,
               NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::bigint, NULL::bigint, NULL::text,
               NULL::double precision
        FROM tile s WHERE s.project_id = p_project AND s.key = v_tile;

        RETURN QUERY
        SELECT DISTINCT ON (f.id) k, 1, f.id, f.code_cs, f.code_us, ST_AsBinary(f.geom), f.reviewed,
               (f.pred_cs IS NOT NULL AND f.code_cs = f.pred_cs AND f.code_us = coalesce(f.pred_us, f.code_us)),
               f.pred_confidence,
               NULL::bigint, NULL::integer, NULL::integer,
               NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::bigint, NULL::bigint, NULL::text,
               NULL::double precision
        FROM feature t JOIN feature f ON f.geom && ST_Expand(t.geom, p_margin) AND f.project_id = p_project
                                     AND f.tile_key = v_tile
        WHERE t.id = ANY (v_ids) AND t.project_id = p_project AND t.tile_key = v_tile
        ORDER BY f.id;

        SELECT floor(min(ST_XMin(m.geom)) * 100) - 1 AS x0, floor(min(ST_YMin(m.geom)) * 100) - 1 AS y0,
               ceil(max(ST_XMax(m.geom)) * 100) + 1 AS x1, ceil(max(ST_YMax(m.geom)) * 100) + 1 AS y1
        INTO b
        FROM feature m WHERE m.id = ANY (v_ids) AND m.project_id = p_project AND m.tile_key = v_tile;

        RETURN QUERY
        SELECT k, 2, NULL::bigint, NULL::text, NULL::text, NULL::bytea, NULL::boolean, NULL::boolean, NULL::real,
               NULL::bigint, NULL::integer, NULL::integer,
               q.key, q.code, q.blocking, array_to_string(q.features, ','), q.x_cm, q.y_cm, q.message, q.area_m2
        FROM qc_issue q
        WHERE q.project_id = p_project AND q.tile_key = v_tile AND q.code <> 'edge_mismatch'
          AND (q.features && v_inv
               OR (q.code = 'gap' AND q.x_cm BETWEEN b.x0 AND b.x1 AND q.y_cm BETWEEN b.y0 AND b.y1))
        ORDER BY q.key;
    END LOOP;
END
$fn$;

-- The general editing path in fewer calls.
--
-- Opening a change set: the tile's writer lock (the key every writer of the tile takes, whatever
-- the instance), then the tile and the change set's first outcome if it was applied already. The
-- read is a statement of its own after the lock, so it sees what the previous writer committed.
CREATE FUNCTION tessera_edit_open(p_project integer, p_tile text, p_change_set text)
RETURNS TABLE (o_key text, o_x_km integer, o_y_km integer, o_state text, o_seq bigint, o_feature_count integer,
               o_outcome bytea, o_outcome_seq bigint)
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_advisory_xact_lock(p_project, hashtext(p_tile));
    RETURN QUERY
    SELECT t.key, t.x_km, t.y_km, t.state::text, t.seq, t.feature_count, c.outcome, c.tile_seq
    FROM tile t LEFT JOIN change_set c ON c.project_id = p_project AND c.id = p_change_set
    WHERE t.project_id = p_project AND t.key = p_tile;
END
$fn$;

-- What a change set starts from: the features p_ids of the tile (o_referenced), then every other
-- feature of the tile whose box meets the box of theirs and of the operations' own geometry
-- (p_x0..p_y1, null when none) widened by p_margin: the context the operations run in. Two
-- statements, each with its own index (primary key; spatial index).
CREATE FUNCTION tessera_edit_load(p_project integer, p_tile text, p_ids bigint[],
                                  p_x0 double precision, p_y0 double precision, p_x1 double precision,
                                  p_y1 double precision, p_margin double precision, p_srid integer)
RETURNS TABLE (o_referenced boolean, o_id bigint, o_version integer, o_cs text, o_us text, o_wkb bytea,
               o_reviewed boolean, o_pred_cs text, o_pred_us text, o_pred_confidence real, o_updated_ms bigint,
               o_author text)
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    v_box box2d;
BEGIN
    RETURN QUERY
    SELECT true, f.id, f.version, f.code_cs, f.code_us, ST_AsBinary(f.geom), f.reviewed, coalesce(f.pred_cs, ''),
           coalesce(f.pred_us, ''), f.pred_confidence, (extract(epoch FROM f.updated_at) * 1000)::bigint,
           coalesce(u.username, '')
    FROM feature f LEFT JOIN app_user u ON u.id = f.author_id
    WHERE f.id = ANY (p_ids) AND f.project_id = p_project AND f.tile_key = p_tile
    ORDER BY f.id;

    SELECT ST_Extent(g) INTO v_box
    FROM (SELECT f.geom AS g FROM feature f
          WHERE f.id = ANY (p_ids) AND f.project_id = p_project AND f.tile_key = p_tile
          UNION ALL
          SELECT ST_MakeEnvelope(p_x0, p_y0, p_x1, p_y1, p_srid) WHERE p_x0 IS NOT NULL) z;
    IF v_box IS NULL THEN
        RETURN;
    END IF;

    RETURN QUERY
    SELECT false, f.id, f.version, f.code_cs, f.code_us, ST_AsBinary(f.geom), f.reviewed, coalesce(f.pred_cs, ''),
           coalesce(f.pred_us, ''), f.pred_confidence, (extract(epoch FROM f.updated_at) * 1000)::bigint,
           coalesce(u.username, '')
    FROM feature f LEFT JOIN app_user u ON u.id = f.author_id
    WHERE f.geom && ST_SetSRID(ST_Expand(v_box, p_margin)::geometry, p_srid)
      AND f.project_id = p_project AND f.tile_key = p_tile AND NOT (f.id = ANY (p_ids))
    ORDER BY f.id;
END
$fn$;
