-- Tessera schema, part 1: projects, tiles, features with history, the event log, accounts.
-- Forward-only: never edit an applied migration; add a new numbered file.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE project (
    id           serial PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    srid         integer NOT NULL CHECK (srid > 0),
    tile_size_m  integer NOT NULL DEFAULT 1000 CHECK (tile_size_m > 0 AND tile_size_m % 1000 = 0),
    grid_cm      integer NOT NULL DEFAULT 1 CHECK (grid_cm = 1),
    imagery      jsonb NOT NULL DEFAULT '{"kind": "none"}',
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- A prediction set is one import of model output; a project may hold several side by side.
CREATE TABLE prediction_set (
    id           serial PRIMARY KEY,
    project_id   integer NOT NULL REFERENCES project(id),
    name         text NOT NULL,
    source       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, name)
);

CREATE TYPE tile_state AS ENUM
    ('todo', 'in_progress', 'submitted', 'in_review', 'approved', 'rejected', 'published');

CREATE TABLE tile (
    project_id         integer NOT NULL REFERENCES project(id),
    key                text NOT NULL CHECK (key ~ '^[0-9]{4,5}_[0-9]{4,5}$'),
    x_km               integer NOT NULL,
    y_km               integer NOT NULL,
    state              tile_state NOT NULL DEFAULT 'todo',
    seq                bigint NOT NULL DEFAULT 0,    -- last event number of this tile
    prediction_set_id  integer REFERENCES prediction_set(id),
    feature_count      integer NOT NULL DEFAULT 0,
    mean_confidence    real,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, key),
    UNIQUE (project_id, x_km, y_km)
);

CREATE TABLE feature (
    id                  bigserial PRIMARY KEY,
    project_id          integer NOT NULL,
    tile_key            text NOT NULL,
    code_cs             text NOT NULL,
    code_us             text NOT NULL,
    geom                geometry(Polygon) NOT NULL,
    version             integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    pred_cs             text,
    pred_us             text,
    pred_confidence     real CHECK (pred_confidence BETWEEN 0 AND 1),
    prediction_set_id   integer REFERENCES prediction_set(id),
    reviewed            boolean NOT NULL DEFAULT false,
    author_id           integer,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (project_id, tile_key) REFERENCES tile(project_id, key)
);
CREATE INDEX feature_tile_idx ON feature (project_id, tile_key);
CREATE INDEX feature_geom_idx ON feature USING gist (geom);

-- Every version a feature has had (the current one included), for history and audit.
CREATE TABLE feature_history (
    feature_id     bigint NOT NULL,
    version        integer NOT NULL,
    project_id     integer NOT NULL,
    tile_key       text NOT NULL,
    code_cs        text NOT NULL,
    code_us        text NOT NULL,
    geom           geometry(Polygon),   -- null when this version deleted the feature
    reviewed       boolean NOT NULL,
    author_id      integer,
    change_set_id  uuid,
    changed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feature_id, version)
);

CREATE TYPE user_role AS ENUM ('contributor', 'controller', 'lead', 'admin');

CREATE TABLE app_user (
    id             serial PRIMARY KEY,
    username       text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
    display_name   text NOT NULL,
    role           user_role NOT NULL,
    password_hash  text NOT NULL,          -- Argon2id, libsodium's encoded string
    disabled       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Login sessions. Only a hash of the token is kept: a leaked table grants nothing.
CREATE TABLE session (
    id            bigserial PRIMARY KEY,
    user_id       integer NOT NULL REFERENCES app_user(id),
    token_hash    bytea NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    user_agent    text
);
CREATE INDEX session_user_idx ON session (user_id);

-- The append-only event log: transitions, edits, leases, reviews, imports, logins.
CREATE TABLE event (
    id          bigserial PRIMARY KEY,
    project_id  integer REFERENCES project(id),
    tile_key    text,
    tile_seq    bigint,                  -- the tile's sequence number, for tile events
    kind        text NOT NULL,
    actor_id    integer REFERENCES app_user(id),
    at          timestamptz NOT NULL DEFAULT now(),
    payload     jsonb NOT NULL DEFAULT '{}',
    UNIQUE (project_id, tile_key, tile_seq)
);
CREATE INDEX event_tile_idx ON event (project_id, tile_key, tile_seq);
CREATE INDEX event_kind_at_idx ON event (kind, at);

CREATE FUNCTION event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
    FOR EACH STATEMENT EXECUTE FUNCTION event_is_append_only();
