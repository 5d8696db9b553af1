-- Tessera schema, part 6: imports that can be resumed, and predictions kept beside people's work.

-- One import: a command over one input with the options that shape what it loads. `key` is a
-- digest of those, so that running the same command again finds the same import and skips the
-- tiles it already loaded.
CREATE TABLE ingest_run (
    id                 serial PRIMARY KEY,
    project_id         integer NOT NULL REFERENCES project(id),
    key                text NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('raster', 'vector')),
    source             text NOT NULL,
    prediction_set_id  integer NOT NULL REFERENCES prediction_set(id),
    started_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    report             jsonb,
    UNIQUE (project_id, key)
);

-- The tiles an import has committed, each written in the same transaction as the tile itself:
-- an interrupted import knows exactly what is done.
CREATE TABLE ingest_tile (
    run_id     integer NOT NULL REFERENCES ingest_run(id) ON DELETE CASCADE,
    tile_key   text NOT NULL,
    polygons   integer NOT NULL,
    beside     boolean NOT NULL,  -- kept beside people's work rather than loaded into the tile
    done_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, tile_key)
);

-- A prediction loaded beside a tile that people have already edited (SPEC §6: never overwrite
-- their work): the tile's features stay as they are, the new prediction waits here.
CREATE TABLE prediction_feature (
    id                 bigserial PRIMARY KEY,
    project_id         integer NOT NULL,
    prediction_set_id  integer NOT NULL REFERENCES prediction_set(id),
    tile_key           text NOT NULL,
    code_cs            text NOT NULL,
    code_us            text NOT NULL,
    confidence         real CHECK (confidence BETWEEN 0 AND 1),
    geom               geometry(Polygon) NOT NULL,
    FOREIGN KEY (project_id, tile_key) REFERENCES tile(project_id, key)
);
CREATE INDEX prediction_feature_tile_idx ON prediction_feature (project_id, prediction_set_id, tile_key);
