-- The general editing path in two calls fewer: opening a change set reads what it starts from in
-- the same call, and writing it reads, in the same call, what its quality controls start from.

-- Opening a change set (tessera_edit_open: the tile's writer lock, the tile, the change set's
-- first outcome) and, unless it was applied already, what it starts from (tessera_edit_load).
-- Part 0: the tile (no row: no such tile); part 1: the features. Each statement of a volatile
-- function reads what was committed before it began, so the features are read after the lock.
CREATE FUNCTION tessera_edit_begin(p_project integer, p_tile text, p_change_set text, p_ids bigint[],
                                   p_x0 double precision, p_y0 double precision, p_x1 double precision,
                                   p_y1 double precision, p_margin double precision, p_srid integer)
RETURNS TABLE (b_part integer, b_key text, b_x_km integer, b_y_km integer, b_state text, b_seq bigint,
               b_feature_count integer, b_outcome bytea, b_outcome_seq bigint,
               b_referenced boolean, b_id bigint, b_version integer, b_cs text, b_us text, b_wkb bytea,
               b_reviewed boolean, b_pred_cs text, b_pred_us text, b_pred_confidence real, b_updated_ms bigint,
               b_author text)
LANGUAGE plpgsql AS $fn$
DECLARE
    t record;
BEGIN
    SELECT * INTO t FROM tessera_edit_open(p_project, p_tile, p_change_set);
    IF NOT FOUND THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT 0, t.o_key, t.o_x_km, t.o_y_km, t.o_state, t.o_seq, t.o_feature_count, t.o_outcome, t.o_outcome_seq,
           NULL::boolean, NULL::bigint, NULL::integer, NULL::text, NULL::text, NULL::bytea, NULL::boolean,
           NULL::text, NULL::text, NULL::real, NULL::bigint, NULL::text;
    IF t.o_outcome_seq IS NOT NULL THEN
        RETURN;  -- applied already: its outcome is the answer
    END IF;
    RETURN QUERY
    SELECT 1, NULL::text, NULL::integer, NULL::integer, NULL::text, NULL::bigint, NULL::integer, NULL::bytea,
           NULL::bigint, l.*
    FROM tessera_edit_load(p_project, p_tile, p_ids, p_x0, p_y0, p_x1, p_y1, p_margin, p_srid) l;
END
$fn$;

-- Writing a change set (tessera_write_change, part 0) and the quality controls' read of what it
-- wrote and deleted (tessera_qc_read with one request, part 1, its columns from w_k on).
CREATE FUNCTION tessera_edit_write(
    p_project integer, p_tile text, p_user integer, p_change_set text, p_ops integer,
    p_ids bigint[], p_cs text[], p_us text[], p_reviewed boolean[], p_geom_hex text[], p_inherit bigint[],
    p_deletes bigint[], p_srid integer, p_lease_seconds integer, p_margin double precision)
RETURNS TABLE (w_part integer, w_given bigint, w_id bigint, w_version integer, w_seq bigint, w_state text,
               w_k integer, w_qc_part integer,
               w_qc_id bigint, w_cs text, w_us text, w_wkb bytea, w_reviewed boolean, w_predicted boolean,
               w_confidence real,
               w_whole_seq bigint, w_blocking integer, w_warnings integer,
               w_key text, w_code text, w_issue_blocking boolean, w_features text, w_x bigint, w_y bigint,
               w_message text, w_area double precision)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_written bigint[] := '{}';
    v_gone bigint[] := coalesce(p_deletes, '{}');
    r record;
BEGIN
    FOR r IN SELECT * FROM tessera_write_change(p_project, p_tile, p_user, p_change_set, p_ops, p_ids, p_cs, p_us,
                                                p_reviewed, p_geom_hex, p_inherit, p_deletes, p_srid,
                                                p_lease_seconds) LOOP
        IF r.o_id IS NOT NULL THEN
            v_written := v_written || r.o_id;
        END IF;
        w_part := 0;
        w_given := r.o_given;
        w_id := r.o_id;
        w_version := r.o_version;
        w_seq := r.o_seq;
        w_state := r.o_state;
        RETURN NEXT;
    END LOOP;
    RETURN QUERY
    SELECT 1, NULL::bigint, NULL::bigint, NULL::integer, NULL::bigint, NULL::text, q.*
    FROM tessera_qc_read(p_project, ARRAY[p_tile], v_written, ARRAY[cardinality(v_written)], v_written || v_gone,
                         ARRAY[cardinality(v_written) + cardinality(v_gone)], p_margin) q;
END
$fn$;
