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
    outcome     bytea NOT NULL,
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
