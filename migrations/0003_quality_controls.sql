-- Quality controls (SPEC §5): the current issues of every tile, kept up to date by each change
-- set (only what it touched is re-checked) and by whole-tile checks (on submit and on demand),
-- with what each change set introduced and fixed, so that a replay after a gap carries it too.

CREATE TABLE qc_issue (
    project_id   integer NOT NULL,
    tile_key     text NOT NULL,
    key          text NOT NULL,                 -- code, features and detail: stable across checks
    code         text NOT NULL,
    blocking     boolean NOT NULL,
    features     bigint[] NOT NULL,
    x_cm         bigint NOT NULL,               -- a point on the problem (project CRS, centimetres)
    y_cm         bigint NOT NULL,
    message      text NOT NULL,
    area_m2      double precision NOT NULL DEFAULT 0,
    found_seq    bigint NOT NULL,               -- the tile's sequence number when it was first found
    PRIMARY KEY (project_id, tile_key, key),
    FOREIGN KEY (project_id, tile_key) REFERENCES tile(project_id, key)
);
CREATE INDEX qc_issue_code_idx ON qc_issue (project_id, code);

-- What one change set introduced and fixed (an encoded tessera.v1 QC delta), when anything.
CREATE TABLE qc_delta (
    project_id   integer NOT NULL,
    tile_key     text NOT NULL,
    tile_seq     bigint NOT NULL,
    delta        bytea NOT NULL,
    PRIMARY KEY (project_id, tile_key, tile_seq)
);

ALTER TABLE tile
    ADD COLUMN qc_blocking  integer NOT NULL DEFAULT 0,
    ADD COLUMN qc_warnings  integer NOT NULL DEFAULT 0,
    ADD COLUMN qc_whole_seq bigint;                -- when the whole tile was last checked; null: never
