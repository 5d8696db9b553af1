-- A feature's tile and prediction set are checked once per statement instead of once per row.
--
-- PostgreSQL checks a foreign key row by row, with a query and a row lock each. A tile's import
-- writes its features with one COPY of thousands of rows, and the two keys of the feature table
-- were a fifth of the database's work of an import (sampled on the 16 km² sample of the import
-- benchmark: 489 of 2,454 samples in the database's processes).
--
-- The same rule now holds through statement-level triggers: after every statement that inserts
-- or updates features, one query looks up the distinct (project, tile) and prediction set of the
-- rows it wrote and refuses the statement, as a foreign key violation naming what is missing,
-- when one does not exist. What a key also guarded, a referenced row deleted, cannot happen:
-- tiles and prediction sets are never deleted.
ALTER TABLE feature DROP CONSTRAINT feature_prediction_set_id_fkey,
                    DROP CONSTRAINT feature_project_id_tile_key_fkey;

CREATE FUNCTION feature_references_exist() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    v_missing record;
BEGIN
    SELECT r.project_id, r.tile_key, r.prediction_set_id,
           NOT EXISTS (SELECT 1 FROM tile t WHERE t.project_id = r.project_id AND t.key = r.tile_key) AS no_tile
      INTO v_missing
      FROM (SELECT DISTINCT project_id, tile_key, prediction_set_id FROM new_rows) r
     WHERE NOT EXISTS (SELECT 1 FROM tile t WHERE t.project_id = r.project_id AND t.key = r.tile_key)
        OR (r.prediction_set_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM prediction_set s WHERE s.id = r.prediction_set_id))
     LIMIT 1;
    IF FOUND THEN
        IF v_missing.no_tile THEN
            RAISE EXCEPTION 'a feature refers to tile % of project %, which does not exist',
                v_missing.tile_key, v_missing.project_id
                USING ERRCODE = 'foreign_key_violation', TABLE = 'feature';
        END IF;
        RAISE EXCEPTION 'a feature refers to prediction set %, which does not exist', v_missing.prediction_set_id
            USING ERRCODE = 'foreign_key_violation', TABLE = 'feature';
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER feature_references_inserted AFTER INSERT ON feature REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION feature_references_exist();
CREATE TRIGGER feature_references_updated AFTER UPDATE ON feature REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION feature_references_exist();
