-- Grouped commits of class change sets: under load, the server gathers the set_class / confirm
-- change sets waiting for the database (each of another tile) and applies them together, in one
-- transaction and a handful of set-based statements, instead of a dozen statements each. Every
-- change set still gets its own sequence number, history, event, change-set record and NOTIFY,
-- exactly as tessera_apply_classes writes them; one that is not that simple falls back (o_fallback)
-- and is applied alone by the general path.
--
-- Per change set k (1-based): p_tiles[k], p_users[k], p_change_sets[k]. Per operation:
-- p_op_cs (its change set), p_ids, p_versions, p_cs, p_us ('' leaves a code unchanged).
CREATE FUNCTION tessera_apply_classes_grouped(
    p_project integer, p_lease_seconds integer, p_tiles text[], p_users integer[], p_change_sets text[],
    p_op_cs integer[], p_ids bigint[], p_versions integer[], p_cs text[], p_us text[])
RETURNS TABLE (o_k integer, o_fallback boolean, o_seq bigint, o_state text, o_id bigint, o_version integer,
               o_cs text, o_us text, o_reviewed boolean, o_wkb bytea, o_pred_cs text, o_pred_us text,
               o_pred_confidence real)
-- Every join below starts from the group's few rows and looks up by key: nested loops over the
-- primary keys, whatever the tables' sizes (a hash join would read a whole table each time). Each
-- table is also restricted by the keys of the whole group (= ANY of a parameter), so that its scan
-- is an index scan on the full key even under a plan made when the table was small (a join
-- condition alone may be left to a filter over every row of the project).
LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off AS $fn$
BEGIN
    -- The writer locks of every tile, in the order of the lock keys: two groups (or a group and
    -- a single writer, who takes one) never wait for each other in a cycle.
    PERFORM pg_advisory_xact_lock(p_project, l.h)
    FROM (SELECT DISTINCT hashtext(t) AS h FROM unnest(p_tiles) t ORDER BY 1) l;

    -- One statement: it reads after the locks, so what it checks cannot change before commit.
    RETURN QUERY
    WITH cs AS (
        SELECT c.k::integer AS k, c.tile, c.user_id, c.change_set
        FROM unnest(p_tiles, p_users, p_change_sets) WITH ORDINALITY AS c(tile, user_id, change_set, k)),
    ops AS (
        SELECT * FROM unnest(p_op_cs, p_ids, p_versions, p_cs, p_us) AS o(k, id, version, code_cs, code_us)),
    checked AS (
        SELECT c.k, c.tile, c.user_id, c.change_set, t.seq + 1 AS seq, t.state AS before,
               coalesce(t.state IN ('todo', 'in_progress', 'rejected'), false)
               AND n.ops > 0 AND n.ops = n.ids AND n.ops = n.current
               AND (SELECT count(*) FROM cs d WHERE d.change_set = c.change_set OR d.tile = c.tile) = 1
               AND NOT EXISTS (SELECT 1 FROM change_set x WHERE x.project_id = p_project AND x.id = ANY (p_change_sets)
                                                        AND x.id = c.change_set)
                   AS ok,
               n.ops
        FROM cs c
        LEFT JOIN tile t ON t.project_id = p_project AND t.key = ANY (p_tiles) AND t.key = c.tile
        CROSS JOIN LATERAL (
            SELECT count(*) AS ops, count(DISTINCT o.id) AS ids,
                   count(f.id) AS current
            FROM ops o
            LEFT JOIN feature f ON f.id = ANY (p_ids) AND f.id = o.id AND f.version = o.version AND f.project_id = p_project
                                AND f.tile_key = c.tile
            WHERE o.k = c.k) n),
    updated AS (
        UPDATE feature f SET code_cs = coalesce(nullif(o.code_cs, ''), f.code_cs),
                             code_us = coalesce(nullif(o.code_us, ''), f.code_us),
                             reviewed = true, version = f.version + 1, author_id = c.user_id, updated_at = now()
        FROM ops o JOIN checked c ON c.k = o.k AND c.ok
        WHERE f.id = ANY (p_ids) AND f.id = o.id
          AND (NOT f.reviewed OR f.code_cs <> coalesce(nullif(o.code_cs, ''), f.code_cs)
               OR f.code_us <> coalesce(nullif(o.code_us, ''), f.code_us))
        RETURNING o.k, f.id, f.version, f.project_id, f.tile_key, f.code_cs, f.code_us, f.geom, f.reviewed,
                  f.author_id, f.pred_cs, f.pred_us, f.pred_confidence, c.seq, c.change_set),
    history AS (
        INSERT INTO feature_history (feature_id, version, project_id, tile_key, code_cs, code_us, geom, reviewed,
                                     author_id, tile_seq, change_set, prev_version)
        SELECT u.id, u.version, u.project_id, u.tile_key, u.code_cs, u.code_us, u.geom, u.reviewed, u.author_id,
               u.seq, u.change_set, u.version - 1
        FROM updated u),
    tiles AS (
        UPDATE tile t SET seq = c.seq,
            state = CASE WHEN t.state = 'todo' THEN 'in_progress'::tile_state ELSE t.state END, updated_at = now()
        FROM checked c
        WHERE c.ok AND t.project_id = p_project AND t.key = ANY (p_tiles) AND t.key = c.tile
        RETURNING c.k, t.state AS after),
    events AS (
        INSERT INTO event (project_id, tile_key, tile_seq, kind, actor_id, payload)
        SELECT p_project, c.tile, c.seq, 'change_set', c.user_id,
               jsonb_build_object('change_set', c.change_set, 'ops', c.ops,
                                  'written', coalesce((SELECT jsonb_agg(u.id ORDER BY u.id) FROM updated u
                                                       WHERE u.k = c.k), '[]'::jsonb),
                                  'deleted', '[]'::jsonb, 'state_from', c.before, 'state_to', s.after)
        FROM checked c JOIN tiles s ON s.k = c.k
        ORDER BY c.k),
    leases AS (
        UPDATE tile_lease l SET expires_at = now() + make_interval(secs => p_lease_seconds)
        FROM checked c
        WHERE c.ok AND l.project_id = p_project AND l.tile_key = ANY (p_tiles) AND l.tile_key = c.tile
          AND l.user_id = c.user_id),
    records AS (
        INSERT INTO change_set (project_id, id, tile_key, user_id, tile_seq, ops, outcome)
        SELECT p_project, c.change_set, c.tile, c.user_id, c.seq, c.ops, NULL FROM checked c WHERE c.ok),
    notified AS (
        SELECT count(*) AS n
        FROM (SELECT pg_notify('tessera_tile', p_project || ' ' || c.tile || ' ' || c.seq) FROM checked c
              WHERE c.ok) z)
    SELECT c.k, NOT c.ok, c.seq, s.after::text, u.id, u.version, u.code_cs, u.code_us, u.reviewed,
           ST_AsBinary(u.geom), u.pred_cs, u.pred_us, u.pred_confidence
    FROM checked c
    CROSS JOIN notified x  -- one row: every NOTIFY is queued (sent at commit)
    LEFT JOIN tiles s ON s.k = c.k
    LEFT JOIN updated u ON u.k = c.k
    ORDER BY c.k, u.id;
END
$fn$;

-- The quality controls' writes of a group, set-based: per change set k, the issues it removes
-- (by key), the issues it adds or replaces (an issue found before keeps its first sequence
-- number), the move of its tile's counts and what it introduced and fixed (hex, for replays).
CREATE FUNCTION tessera_qc_write_grouped(
    p_project integer,
    p_gone_tiles text[], p_gone_keys text[],
    p_tiles text[], p_seqs bigint[], p_keys text[], p_codes text[], p_blocking boolean[], p_features text[],
    p_xs bigint[], p_ys bigint[], p_messages text[], p_areas double precision[],
    p_count_tiles text[], p_count_blocking integer[], p_count_warnings integer[],
    p_delta_tiles text[], p_delta_seqs bigint[], p_deltas_hex text[])
RETURNS void LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off AS $fn$
BEGIN
    IF cardinality(p_gone_keys) > 0 THEN
        DELETE FROM qc_issue q USING unnest(p_gone_tiles, p_gone_keys) AS g(tile_key, key)
        WHERE q.project_id = p_project AND q.tile_key = ANY (p_gone_tiles) AND q.key = ANY (p_gone_keys)
          AND q.tile_key = g.tile_key AND q.key = g.key;
    END IF;
    IF cardinality(p_keys) > 0 THEN
        INSERT INTO qc_issue (project_id, tile_key, key, code, blocking, features, x_cm, y_cm, message, area_m2,
                              found_seq)
        SELECT p_project, i.tile_key, i.key, i.code, i.blocking, string_to_array(i.features, ',')::bigint[], i.x,
               i.y, i.message, i.area, i.seq
        FROM unnest(p_tiles, p_seqs, p_keys, p_codes, p_blocking, p_features, p_xs, p_ys, p_messages, p_areas)
             AS i(tile_key, seq, key, code, blocking, features, x, y, message, area)
        ON CONFLICT (project_id, tile_key, key) DO UPDATE SET code = excluded.code, blocking = excluded.blocking,
            features = excluded.features, x_cm = excluded.x_cm, y_cm = excluded.y_cm, message = excluded.message,
            area_m2 = excluded.area_m2;
    END IF;
    IF cardinality(p_count_tiles) > 0 THEN
        UPDATE tile t SET qc_blocking = t.qc_blocking + c.blocking, qc_warnings = t.qc_warnings + c.warnings
        FROM unnest(p_count_tiles, p_count_blocking, p_count_warnings) AS c(tile_key, blocking, warnings)
        WHERE t.project_id = p_project AND t.key = ANY (p_count_tiles) AND t.key = c.tile_key;
    END IF;
    IF cardinality(p_delta_tiles) > 0 THEN
        INSERT INTO qc_delta (project_id, tile_key, tile_seq, delta)
        SELECT p_project, d.tile_key, d.seq, decode(d.hex, 'hex')
        FROM unnest(p_delta_tiles, p_delta_seqs, p_deltas_hex) AS d(tile_key, seq, hex);
    END IF;
END
$fn$;

-- Replaced by tessera_apply_classes_grouped (a group of one is the single case).
DROP FUNCTION tessera_apply_classes(integer, text, integer, text, bigint[], integer[], text[], text[], integer);
